import { parseXmlDocument } from './xml-parse.js';
import { attrValue, childElements, firstChild, textContent, type XmlDocumentTree, type XmlElement } from './xml-tree.js';

/** application/resource-lists+xml (RFC 4826 §3), typed read access. */
export const RESOURCE_LISTS_NS = 'urn:ietf:params:xml:ns:resource-lists';
export const RESOURCE_LISTS_TYPE = 'application/resource-lists+xml';

export interface ResourceListEntry {
  readonly uri: string;
  readonly displayName?: string;
}

export interface ResourceList {
  readonly name?: string;
  readonly displayName?: string;
  readonly entries: readonly ResourceListEntry[];
  readonly entryRefs: readonly string[];
  readonly externals: readonly string[];
  readonly lists: readonly ResourceList[];
}

function displayName(el: XmlElement): string | undefined {
  const d = firstChild(el, 'display-name', RESOURCE_LISTS_NS);
  return d === undefined ? undefined : textContent(d);
}

/** Reads a list-like element (rl:listType content) in the given namespace for its entries. */
export function readList(el: XmlElement, ns: string = RESOURCE_LISTS_NS): ResourceList {
  const entries: ResourceListEntry[] = [];
  for (const e of childElements(el, 'entry', ns)) {
    const uri = attrValue(e, 'uri');
    if (uri === undefined) continue;
    const dn = displayName(e);
    entries.push(dn === undefined ? { uri } : { uri, displayName: dn });
  }
  const name = attrValue(el, 'name');
  const dn = ns === RESOURCE_LISTS_NS ? displayName(el) : undefined;
  return {
    ...(name === undefined ? {} : { name }),
    ...(dn === undefined ? {} : { displayName: dn }),
    entries,
    entryRefs: childElements(el, 'entry-ref', ns).flatMap((e) => attrValue(e, 'ref') ?? []),
    externals: childElements(el, 'external', ns).flatMap((e) => attrValue(e, 'anchor') ?? []),
    lists: childElements(el, 'list', ns).map((l) => readList(l, ns)),
  };
}

export function readResourceLists(doc: XmlDocumentTree | string): ResourceList[] {
  const tree = typeof doc === 'string' ? parseXmlDocument(doc) : doc;
  if (tree.root.local !== 'resource-lists' || tree.root.ns !== RESOURCE_LISTS_NS) return [];
  return childElements(tree.root, 'list', RESOURCE_LISTS_NS).map((l) => readList(l));
}

/** Every entry URI of a list and its sub-lists, depth first, without duplicates. */
export function flattenEntries(list: ResourceList): string[] {
  const out = new Set<string>();
  const walk = (l: ResourceList): void => {
    for (const e of l.entries) out.add(e.uri);
    for (const s of l.lists) walk(s);
  };
  walk(list);
  return [...out];
}
