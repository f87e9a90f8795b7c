import { Params } from '../sip/params.js';
import { splitList } from '../sip/scan.js';
import { SipParseError } from '../sip/parse-error.js';

/**
 * Caller preferences (RFC 3841) over the feature tags a contact registered
 * (RFC 3840). Returns the contacts to fork to, best first.
 *
 * Reject-Contact (§7.2.3): a contact that explicitly has every feature of a
 * Reject-Contact predicate is dropped.
 * Accept-Contact (§7.2.4): a contact that explicitly has every feature of a
 * predicate matches it. With `require`, contacts that do not match are
 * dropped. Without it we keep only the matching contacts when there are
 * any, and all of them otherwise (see docs/decisions.md: IM requests carry
 * `Accept-Contact: *;+g.oma.sip-im` and must reach only IM devices when
 * the user has one).
 */
export function applyCallerPreferences<T>(
  contacts: readonly T[],
  featuresOf: (c: T) => Params,
  acceptContact: readonly string[],
  rejectContact: readonly string[],
): T[] {
  let out = contacts.slice();
  for (const value of rejectContact) {
    const pred = predicate(value);
    out = out.filter((c) => !matches(pred.features, featuresOf(c)));
  }
  for (const value of acceptContact) {
    const pred = predicate(value);
    const hit = out.filter((c) => matches(pred.features, featuresOf(c)));
    if (pred.require || hit.length > 0) out = hit;
  }
  return out;
}

interface Predicate {
  readonly features: Params;
  readonly require: boolean;
}

function predicate(value: string): Predicate {
  // ac-value = "*" *(SEMI ac-params)
  const v = value.trim();
  if (!v.startsWith('*')) throw new SipParseError('Accept-Contact/Reject-Contact value must start with "*"');
  const params = Params.parse(v.slice(1));
  const features = new Params(params.list.filter((p) => !['explicit', 'require'].includes(p.name.toLowerCase())));
  return { features, require: params.has('require') };
}

/** Every feature of the predicate is present in the contact's feature set with a compatible value. */
function matches(features: Params, contact: Params): boolean {
  for (const f of features.list) {
    const have = contact.get(f.name);
    if (have === undefined) return false;
    if (f.value === null) {
      // Boolean feature: present without value, or "TRUE".
      if (have !== null && have.toUpperCase() !== 'TRUE' && have !== '"TRUE"') return false;
      continue;
    }
    const want = valueSet(f.value);
    const got = have === null ? new Set(['true']) : valueSet(have);
    let any = false;
    for (const w of want) {
      if (w.startsWith('!') ? !got.has(w.slice(1)) : got.has(w)) any = true;
    }
    if (!any) return false;
  }
  return true;
}

/** A feature value as a set: "a,b" token lists, <string> values (RFC 3840 §9). */
function valueSet(v: string): Set<string> {
  const s = v.replace(/^"|"$/g, '');
  return new Set(splitList(s).map((x) => x.trim().toLowerCase()));
}

/** Feature tags of a binding from its stored parameter text. */
export function featureParams(paramText: string): Params {
  try {
    return Params.parse(paramText);
  } catch {
    return new Params();
  }
}
