import { parseXmlDocument } from './xml-parse.js';
import { attrValue, childElements, escapeAttr, escapeText, firstChild, textContent, type XmlElement } from './xml-tree.js';

/**
 * The registration information document, application/reginfo+xml
 * (RFC 3680 §5): the body of NOTIFYs of the "reg" event package. One
 * <registration> per address-of-record, one <contact> per binding.
 */
export const REGINFO_NS = 'urn:ietf:params:xml:ns:reginfo';
export const REGINFO_TYPE = 'application/reginfo+xml';

export type RegistrationState = 'init' | 'active' | 'terminated';
export type ContactState = 'active' | 'terminated';
/** RFC 3680 §4.7.1, Figure 2: the events of the contact state machine. */
export type ContactEvent = 'registered' | 'created' | 'refreshed' | 'shortened' | 'expired' | 'deactivated' | 'probation' | 'unregistered' | 'rejected';

const REGISTRATION_STATES: readonly string[] = ['init', 'active', 'terminated'];
const CONTACT_STATES: readonly string[] = ['active', 'terminated'];
const CONTACT_EVENTS: readonly string[] = ['registered', 'created', 'refreshed', 'shortened', 'expired', 'deactivated', 'probation', 'unregistered', 'rejected'];

/** A Contact header field parameter not defined by RFC 3261 (feature tags, +sip.instance, reg-id). */
export interface UnknownParam {
  readonly name: string;
  /** Empty for a parameter without a value (RFC 3680 §5.1: "the content ... is empty"). */
  readonly value: string;
}

export interface ReginfoContact {
  readonly id: string;
  readonly state: ContactState;
  readonly event: ContactEvent;
  readonly uri: string;
  readonly displayName?: string;
  /** Seconds until the binding expires; RFC 3680 §5.1: required with "shortened". */
  readonly expires?: number;
  /** Seconds; RFC 3680 §5.1: required with "probation". */
  readonly retryAfter?: number;
  readonly durationRegistered?: number;
  readonly q?: number;
  readonly callId?: string;
  readonly cseq?: number;
  readonly unknownParams: readonly UnknownParam[];
}

export interface ReginfoRegistration {
  readonly aor: string;
  /** RFC 3680 §5.1: the same for an AoR across all notifications of a subscription. */
  readonly id: string;
  readonly state: RegistrationState;
  readonly contacts: readonly ReginfoContact[];
}

export interface Reginfo {
  /** RFC 3680 §5.1: "Versions start at 0, and increment by one for each new document sent to a subscriber." */
  readonly version: number;
  readonly state: 'full' | 'partial';
  readonly registrations: readonly ReginfoRegistration[];
}

export class ReginfoError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ReginfoError';
  }
}

const MAX_UINT32 = 0xffffffff;

function uint(n: number | undefined, what: string): string {
  if (n === undefined) return '';
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer`);
  return ` ${what}="${n}"`;
}

export function buildReginfo(doc: Reginfo): string {
  // RFC 3680 §5.1: "Versions MUST be representable using a 32 bit integer."
  if (!Number.isInteger(doc.version) || doc.version < 0 || doc.version > MAX_UINT32) throw new RangeError('version must fit in 32 bits');
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<reginfo xmlns="${REGINFO_NS}" version="${doc.version}" state="${doc.state}">`];
  for (const r of doc.registrations) {
    out.push(` <registration aor="${escapeAttr(r.aor)}" id="${escapeAttr(r.id)}" state="${r.state}">`);
    for (const c of r.contacts) {
      // RFC 3680 §5.1: "If the event attribute has a value of shortened, the "expires" attribute MUST be present."
      if (c.event === 'shortened' && c.expires === undefined) throw new RangeError('a shortened contact needs expires');
      if (c.event === 'probation' && c.retryAfter === undefined) throw new RangeError('a contact on probation needs retry-after');
      let a = ` id="${escapeAttr(c.id)}" state="${c.state}" event="${c.event}"`;
      a += uint(c.expires, 'expires') + uint(c.retryAfter, 'retry-after') + uint(c.durationRegistered, 'duration-registered');
      if (c.q !== undefined) a += ` q="${c.q}"`;
      if (c.callId !== undefined) a += ` callid="${escapeAttr(c.callId)}"`;
      a += uint(c.cseq, 'cseq');
      out.push(`  <contact${a}>`);
      out.push(`   <uri>${escapeText(c.uri)}</uri>`);
      if (c.displayName !== undefined) out.push(`   <display-name>${escapeText(c.displayName)}</display-name>`);
      for (const p of c.unknownParams) out.push(`   <unknown-param name="${escapeAttr(p.name)}">${escapeText(p.value)}</unknown-param>`);
      out.push('  </contact>');
    }
    out.push(' </registration>');
  }
  out.push('</reginfo>', '');
  return out.join('\n');
}

/** Reads a reginfo document; elements and attributes of other namespaces are ignored (RFC 3680 §5.1). */
export function parseReginfo(xml: string): Reginfo {
  let root: XmlElement;
  try {
    root = parseXmlDocument(xml).root;
  } catch (e) {
    throw new ReginfoError(`not well-formed: ${(e as Error).message}`);
  }
  if (root.local !== 'reginfo' || root.ns !== REGINFO_NS) throw new ReginfoError('root is not reginfo');
  const state = required(root, 'state');
  if (state !== 'full' && state !== 'partial') throw new ReginfoError(`bad reginfo state "${state}"`);
  return {
    version: requiredUint(root, 'version'),
    state,
    registrations: childElements(root, 'registration', REGINFO_NS).map(readRegistration),
  };
}

function readRegistration(el: XmlElement): ReginfoRegistration {
  const state = required(el, 'state');
  if (!REGISTRATION_STATES.includes(state)) throw new ReginfoError(`bad registration state "${state}"`);
  return {
    aor: required(el, 'aor'),
    id: required(el, 'id'),
    state: state as RegistrationState,
    contacts: childElements(el, 'contact', REGINFO_NS).map(readContact),
  };
}

function readContact(el: XmlElement): ReginfoContact {
  const state = required(el, 'state');
  if (!CONTACT_STATES.includes(state)) throw new ReginfoError(`bad contact state "${state}"`);
  const event = required(el, 'event');
  if (!CONTACT_EVENTS.includes(event)) throw new ReginfoError(`bad contact event "${event}"`);
  const uri = firstChild(el, 'uri', REGINFO_NS);
  if (uri === undefined) throw new ReginfoError('contact without <uri>');
  const dn = firstChild(el, 'display-name', REGINFO_NS);
  const q = attrValue(el, 'q');
  const callId = attrValue(el, 'callid');
  const opt = (name: string, key: string) => {
    const v = optionalUint(el, name);
    return v === undefined ? {} : { [key]: v };
  };
  return {
    id: required(el, 'id'),
    state: state as ContactState,
    event: event as ContactEvent,
    uri: textContent(uri).trim(),
    ...(dn === undefined ? {} : { displayName: textContent(dn) }),
    ...opt('expires', 'expires'),
    ...opt('retry-after', 'retryAfter'),
    ...opt('duration-registered', 'durationRegistered'),
    ...(q === undefined ? {} : { q: Number(q) }),
    ...(callId === undefined ? {} : { callId }),
    ...opt('cseq', 'cseq'),
    unknownParams: childElements(el, 'unknown-param', REGINFO_NS).map((p) => ({ name: required(p, 'name'), value: textContent(p) })),
  };
}

function required(el: XmlElement, name: string): string {
  const v = attrValue(el, name);
  if (v === undefined) throw new ReginfoError(`<${el.local}> without ${name}`);
  return v;
}

function requiredUint(el: XmlElement, name: string): number {
  const v = optionalUint(el, name);
  if (v === undefined) throw new ReginfoError(`<${el.local}> without ${name}`);
  return v;
}

function optionalUint(el: XmlElement, name: string): number | undefined {
  const v = attrValue(el, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) throw new ReginfoError(`${name}="${v}" is not a non-negative integer`);
  return Number(v.trim());
}
