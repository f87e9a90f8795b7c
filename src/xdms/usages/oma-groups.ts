import { normaliseUri } from '../../formats/common-policy.js';
import { OMA_GROUPS_TYPE, OMA_LIST_SERVICE_NS, readListService } from '../../formats/oma-group.js';
import type { UniquenessExists, XcapErrorCondition } from '../../formats/xcap-error.js';
import { attrValue, childElements, type XmlDocumentTree } from '../../formats/xml-tree.js';
import type { ApplicationUsage } from '../application-usage.js';
import { fieldSelector } from '../field-selector.js';
import { checkListConstraints } from './resource-lists.js';
import { altUris } from './uniqueness.js';

const NS = OMA_LIST_SERVICE_NS;
export const OMA_GROUPS_AUID = 'org.openmobilealliance.groups';

/** Children of <list-service> that may appear at most once (the schema lets them come in any order). */
const SINGLE = ['display-name', 'list', 'invite-members', 'max-participant-count'];

/**
 * The OMA shared group usage (OMA IM digest §4.3). A group document lives in
 * its owner's home directory under any filename; each <list-service uri>
 * is a group URI, which must be unique across the server (RFC 4825 §8.2.5
 * "a URI within the document was unique within the domain"). Members may
 * read the group (RFC 4825 §5.7 lets a usage widen the default policy).
 */
export function omaGroupsUsage(): ApplicationUsage {
  return {
    auid: OMA_GROUPS_AUID,
    mimeType: OMA_GROUPS_TYPE,
    defaultNamespace: NS,
    namespaces: [NS],
    schema: 'oma-groups.xsd',
    root: { ns: NS, local: 'group' },
    usersTree: true,
    ownerMayPut: true,
    readableBy(tree: XmlDocumentTree, user: string): boolean {
      const u = normaliseUri(user);
      return childElements(tree.root, 'list-service', NS).some((ls) =>
        readListService(ls).members.some((m) => normaliseUri(m.uri) === u),
      );
    },
    async checkConstraints(tree, ctx): Promise<XcapErrorCondition | null> {
      const exists: UniquenessExists[] = [];
      for (const ls of childElements(tree.root, 'list-service', NS)) {
        for (const name of SINGLE) {
          if (childElements(ls, name, NS).length > 1) return { kind: 'constraint-failure', phrase: `more than one <${name}> in a list-service` };
        }
        for (const list of childElements(ls, 'list', NS)) {
          const bad = checkListConstraints(list, NS, NS, exists);
          if (bad !== null) return { kind: 'constraint-failure', phrase: bad };
        }
      }
      if (exists.length > 0) return { kind: 'uniqueness-failure', exists };
      const taken = new Set<string>();
      for (const d of await ctx.documentsOf(OMA_GROUPS_AUID)) {
        if (d.key.xui === ctx.key.xui && d.key.path === ctx.key.path) continue;
        for (const ls of childElements(d.tree.root, 'list-service', NS)) {
          const u = attrValue(ls, 'uri');
          if (u !== undefined) taken.add(normaliseUri(u));
        }
      }
      for (const ls of childElements(tree.root, 'list-service', NS)) {
        const u = attrValue(ls, 'uri');
        if (u === undefined) continue;
        const n = normaliseUri(u);
        if (taken.has(n)) exists.push({ field: fieldSelector(ls, NS, 'uri'), altValues: altUris(u, taken) });
        taken.add(n);
      }
      return exists.length > 0 ? { kind: 'uniqueness-failure', exists } : null;
    },
  };
}
