import { readRuleset, COMMON_POLICY_NS, type PolicyRule } from './common-policy.js';
import { readList, type ResourceListEntry } from './resource-lists.js';
import { parseXmlDocument } from './xml-parse.js';
import { attrValue, childElements, firstChild, textContent, type XmlDocumentTree, type XmlElement } from './xml-tree.js';

/** OMA shared group documents (list-service), typed read access. */
export const OMA_LIST_SERVICE_NS = 'urn:oma:xml:poc:list-service';
export const OMA_GROUPS_TYPE = 'application/vnd.oma.poc.groups+xml';
export const OMA_XDM_EXTENSIONS_NS = 'urn:oma:xml:xdm:extensions';
export const OMA_COMMON_POLICY_NS = 'urn:oma:xml:xdm:common-policy';

export interface ListService {
  /** The group URI (list-service@uri). */
  readonly uri: string;
  readonly displayName?: string;
  readonly members: readonly ResourceListEntry[];
  /** <external anchor> references to resource-lists lists (not resolved here). */
  readonly externals: readonly string[];
  /** true: pre-arranged (members called out on activation); false: chat group (call-in). */
  readonly inviteMembers: boolean;
  readonly maxParticipantCount?: number;
  readonly rules: readonly PolicyRule[];
  /** supported-services/service@enabler values, e.g. an enabler name. */
  readonly supportedServices: readonly { readonly enabler: string; readonly services: readonly string[] }[];
}

function bool(el: XmlElement | undefined, dflt: boolean): boolean {
  if (el === undefined) return dflt;
  const t = textContent(el).trim();
  return t === 'true' || t === '1';
}

export function readListService(ls: XmlElement): ListService {
  const list = firstChild(ls, 'list', OMA_LIST_SERVICE_NS);
  const l = list === undefined ? undefined : readList(list, OMA_LIST_SERVICE_NS);
  const dn = firstChild(ls, 'display-name', OMA_LIST_SERVICE_NS);
  const max = firstChild(ls, 'max-participant-count', OMA_LIST_SERVICE_NS);
  const ruleset = firstChild(ls, 'ruleset', COMMON_POLICY_NS);
  const services: { enabler: string; services: string[] }[] = [];
  for (const ss of childElements(ls, 'supported-services', OMA_XDM_EXTENSIONS_NS)) {
    for (const s of childElements(ss, 'service', OMA_XDM_EXTENSIONS_NS)) {
      services.push({
        enabler: attrValue(s, 'enabler') ?? '',
        services: s.children.flatMap((c) => (c.kind === 'element' ? [c.local] : [])),
      });
    }
  }
  return {
    uri: attrValue(ls, 'uri') ?? '',
    ...(dn === undefined ? {} : { displayName: textContent(dn) }),
    members: l?.entries ?? [],
    externals: l?.externals ?? [],
    inviteMembers: bool(firstChild(ls, 'invite-members', OMA_LIST_SERVICE_NS), false),
    ...(max === undefined ? {} : { maxParticipantCount: Number(textContent(max).trim()) }),
    rules: ruleset === undefined ? [] : readRuleset(ruleset),
    supportedServices: services,
  };
}

export function readGroupDocument(doc: XmlDocumentTree | string): ListService[] {
  const tree = typeof doc === 'string' ? parseXmlDocument(doc) : doc;
  if (tree.root.local !== 'group' || tree.root.ns !== OMA_LIST_SERVICE_NS) return [];
  return childElements(tree.root, 'list-service', OMA_LIST_SERVICE_NS).map(readListService);
}

const IS_LIST_MEMBER = `{${OMA_LIST_SERVICE_NS}}is-list-member`;
const OTHER_IDENTITY = `{${OMA_COMMON_POLICY_NS}}other-identity`;
const JOIN = `{${OMA_LIST_SERVICE_NS}}join-handling`;

/**
 * Restricted: only listed members may join; unrestricted: a rule with an
 * <ocp:other-identity/> (or no) condition grants join-handling to anyone
 * (OMA IM digest §2.4, §4.3; UNCONFIRMED mapping).
 */
export function joinPolicy(g: ListService): 'restricted' | 'unrestricted' {
  for (const r of g.rules) {
    if (r.actions.get(JOIN) !== 'true') continue;
    if (r.otherConditions.includes(OTHER_IDENTITY)) return 'unrestricted';
    if (r.identity === null && r.otherConditions.length === 0) return 'unrestricted';
  }
  return 'restricted';
}

export function isMember(g: ListService, uri: string, normalise: (u: string) => string = (u) => u): boolean {
  const n = normalise(uri);
  return g.members.some((m) => normalise(m.uri) === n);
}

export { IS_LIST_MEMBER };
