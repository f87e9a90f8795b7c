import type { UniquenessExists } from '../../formats/xcap-error.js';
import { attrValue, type XmlElement } from '../../formats/xml-tree.js';
import { fieldSelector } from '../field-selector.js';

/**
 * Checks that `attr` is unique among the children of `parent` named
 * `local` in namespace `ns` (RFC 4826 §3.4.5-style sibling uniqueness).
 * Returns an <exists> for each repeated value, naming its second use.
 */
export function siblingUniqueness(parent: XmlElement, local: string, ns: string, attr: string, defaultNs: string): UniquenessExists[] {
  const seen = new Set<string>();
  const out: UniquenessExists[] = [];
  for (const c of parent.children) {
    if (c.kind !== 'element' || c.local !== local || c.ns !== ns) continue;
    const v = attrValue(c, attr);
    if (v === undefined) continue;
    if (seen.has(v)) out.push({ field: fieldSelector(c, defaultNs, attr) });
    else seen.add(v);
  }
  return out;
}

/** Suggested alternatives for a taken URI: user part with a numeric suffix, skipping taken ones. */
export function altUris(uri: string, taken: ReadonlySet<string>, count = 2): string[] {
  const m = /^([a-z]+:)([^@]+)(@.*)?$/i.exec(uri);
  if (m === null) return [];
  const out: string[] = [];
  for (let i = 2; out.length < count && i < 1000; i++) {
    const cand = `${m[1]}${m[2]}-${i}${m[3] ?? ''}`;
    if (!taken.has(cand)) out.push(cand);
  }
  return out;
}
