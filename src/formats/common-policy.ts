import { attrValue, childElements, elementChildren, textContent, type XmlElement } from './xml-tree.js';

/** Common policy (RFC 4745) rulesets, typed read access. */
export const COMMON_POLICY_NS = 'urn:ietf:params:xml:ns:common-policy';

export interface IdentityCondition {
  /** <one id="..."/>: single identities. */
  readonly ones: readonly string[];
  /** <many domain="..."> (domain absent = any authenticated identity) with its <except> entries. */
  readonly manys: readonly { readonly domain: string | null; readonly exceptDomains: readonly string[]; readonly exceptIds: readonly string[] }[];
}

export interface PolicyRule {
  readonly id: string;
  /** null when the rule has no <identity> condition. */
  readonly identity: IdentityCondition | null;
  /** Condition elements other than identity/sphere/validity, by "{ns}local". */
  readonly otherConditions: readonly string[];
  /** Action elements by "{ns}local" with their text content. */
  readonly actions: ReadonlyMap<string, string>;
}

export function expandedName(el: XmlElement): string {
  return `{${el.ns ?? ''}}${el.local}`;
}

export function readRuleset(ruleset: XmlElement): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const rule of childElements(ruleset, 'rule', COMMON_POLICY_NS)) {
    let identity = null as IdentityCondition | null;
    const otherConditions: string[] = [];
    for (const cond of childElements(rule, 'conditions', COMMON_POLICY_NS)) {
      for (const c of elementChildren(cond)) {
        if (c.ns === COMMON_POLICY_NS && c.local === 'identity') {
          const ones: string[] = [...(identity?.ones ?? [])];
          const manys: IdentityCondition['manys'][number][] = [...(identity?.manys ?? [])];
          for (const o of childElements(c, 'one', COMMON_POLICY_NS)) {
            const id = attrValue(o, 'id');
            if (id !== undefined) ones.push(id);
          }
          for (const m of childElements(c, 'many', COMMON_POLICY_NS)) {
            const ex = childElements(m, 'except', COMMON_POLICY_NS);
            manys.push({
              domain: attrValue(m, 'domain') ?? null,
              exceptDomains: ex.flatMap((e) => attrValue(e, 'domain') ?? []),
              exceptIds: ex.flatMap((e) => attrValue(e, 'id') ?? []),
            });
          }
          identity = { ones, manys };
        } else if (c.ns !== COMMON_POLICY_NS) otherConditions.push(expandedName(c));
      }
    }
    const actions = new Map<string, string>();
    for (const a of childElements(rule, 'actions', COMMON_POLICY_NS)) {
      for (const c of elementChildren(a)) actions.set(expandedName(c), textContent(c).trim());
    }
    out.push({ id: attrValue(rule, 'id') ?? '', identity, otherConditions, actions });
  }
  return out;
}

/** The host part of a SIP/SIPS/TEL-less URI, lower-cased ("sip:a@Example.com" -> "example.com"). */
export function uriDomain(uri: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:(?:[^@;?]*@)?(\[[^\]]+\]|[^:;?>]+)/i.exec(uri.trim());
  return m === null ? null : m[1]!.toLowerCase();
}

/**
 * Does `identity` match `uri`? RFC 4745 §7.1: <one> matches that identity;
 * <many domain> matches every identity of the domain except the listed
 * <except> entries. URIs are compared after normalising the scheme and host
 * case (the user part stays case-sensitive).
 */
export function identityMatches(identity: IdentityCondition, uri: string): boolean {
  const norm = normaliseUri(uri);
  if (identity.ones.some((o) => normaliseUri(o) === norm)) return true;
  const dom = uriDomain(uri);
  for (const m of identity.manys) {
    if (m.domain !== null && m.domain.toLowerCase() !== dom) continue;
    if (m.exceptDomains.some((d) => d.toLowerCase() === dom)) continue;
    if (m.exceptIds.some((i) => normaliseUri(i) === norm)) continue;
    return true;
  }
  return false;
}

export function normaliseUri(uri: string): string {
  const u = uri.trim().replace(/^<|>$/g, '');
  const m = /^([a-z][a-z0-9+.-]*):(?:([^@;?]*)@)?([^;?]*)/i.exec(u);
  if (m === null) return u;
  const user = m[2] === undefined ? '' : `${m[2]}@`;
  // Parameters and headers do not identify the user; RFC 3261 §19.1.4 compares the host case-insensitively.
  return `${m[1]!.toLowerCase()}:${user}${m[3]!.toLowerCase()}`;
}
