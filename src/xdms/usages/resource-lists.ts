import { RESOURCE_LISTS_NS, RESOURCE_LISTS_TYPE } from '../../formats/resource-lists.js';
import type { XcapErrorCondition, UniquenessExists } from '../../formats/xcap-error.js';
import { attrValue, type XmlElement } from '../../formats/xml-tree.js';
import type { ApplicationUsage } from '../application-usage.js';
import { lookupChild } from '../select.js';
import { siblingUniqueness } from './uniqueness.js';

const NS = RESOURCE_LISTS_NS;

/**
 * resource-lists (RFC 4826 §3.4). Validation constraints (§3.4.5): within one
 * parent, list names, entry URIs, entry-ref refs and external anchors are
 * unique; an external anchor is an absolute HTTP URI; an entry-ref is a
 * relative reference to an entry on this server.
 */
export function checkListConstraints(
  el: XmlElement,
  ns: string,
  defaultNs: string,
  exists: UniquenessExists[],
  descend: (list: XmlElement) => boolean = () => true,
): string | null {
  exists.push(
    ...siblingUniqueness(el, 'list', ns, 'name', defaultNs),
    ...siblingUniqueness(el, 'entry', ns, 'uri', defaultNs),
    ...siblingUniqueness(el, 'entry-ref', ns, 'ref', defaultNs),
    ...siblingUniqueness(el, 'external', ns, 'anchor', defaultNs),
  );
  for (const c of el.children) {
    if (c.kind !== 'element' || c.ns !== ns) continue;
    const form = checkForm(c);
    if (form !== null) return form;
    if (c.local === 'list' && descend(c)) {
      const bad = checkListConstraints(c, ns, defaultNs, exists);
      if (bad !== null) return bad;
    }
  }
  return null;
}

/** The URI forms of §3.4.5 for one child (external anchor, entry-ref ref). */
function checkForm(c: XmlElement): string | null {
  if (c.local === 'external') {
    const a = attrValue(c, 'anchor');
    if (a !== undefined && !/^https?:\/\//i.test(a)) return `external anchor "${a}" is not an absolute HTTP URI`;
  } else if (c.local === 'entry-ref') {
    const r = attrValue(c, 'ref') ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(r) || r.startsWith('/')) return `entry-ref "${r}" is not relative to the XCAP root`;
  }
  return null;
}

/** The attribute unique among siblings of the same name (§3.4.5). */
const UNIQUE_BY: Readonly<Record<string, string>> = { list: 'name', entry: 'uri', 'entry-ref': 'ref', external: 'anchor' };

function verdict(bad: string | null, exists: UniquenessExists[]): XcapErrorCondition | null {
  if (exists.length > 0) return { kind: 'uniqueness-failure', exists };
  if (bad !== null) return { kind: 'constraint-failure', phrase: bad };
  return null;
}

export function resourceListsUsage(): ApplicationUsage {
  return {
    auid: 'resource-lists',
    mimeType: RESOURCE_LISTS_TYPE,
    defaultNamespace: NS,
    namespaces: [NS],
    schema: 'resource-lists.xsd',
    root: { ns: NS, local: 'resource-lists' },
    usersTree: true,
    ownerMayPut: true,
    checkConstraints(tree): XcapErrorCondition | null {
      const exists: UniquenessExists[] = [];
      return verdict(checkListConstraints(tree.root, NS, NS, exists), exists);
    },
    // RFC 4826 §3.2's schema: <resource-lists> holds `<xs:sequence minOccurs="0" maxOccurs="unbounded">` of
    // <list>, and listType a `<xs:sequence minOccurs="0" maxOccurs="unbounded"><xs:choice>` of list,
    // external, entry and entry-ref; the schema has no identity constraints.
    repeatableChildren: [
      { parent: { ns: NS, local: 'resource-lists' }, children: [{ ns: NS, local: 'list' }] },
      { parent: { ns: NS, local: 'list' }, children: ['list', 'external', 'entry', 'entry-ref'].map((local) => ({ ns: NS, local })) },
    ],
    // The constraints hold per parent (§3.4.5) and held before the change: only the changed child can
    // clash with a sibling or have a bad URI, and only its own subtree is new. A removal breaks none.
    checkConstraintsAfter(_tree, parent, changed): XcapErrorCondition | null {
      if (changed === null || changed.ns !== NS) return null;
      const exists: UniquenessExists[] = [];
      const attr = UNIQUE_BY[changed.local];
      const value = attr === undefined ? undefined : attrValue(changed, attr);
      if (value !== undefined && lookupChild(parent, NS, changed.local, null, attr!, value).kind === 'many') {
        // A clash: the parent's full check names every repeated value, as checkConstraints would.
        return verdict(checkListConstraints(parent, NS, NS, exists, (l) => l === changed), exists);
      }
      const form = checkForm(changed);
      if (form !== null) return verdict(form, exists);
      if (changed.local !== 'list') return null;
      return verdict(checkListConstraints(changed, NS, NS, exists), exists);
    },
  };
}
