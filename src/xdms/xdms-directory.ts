import { normaliseUri } from '../formats/common-policy.js';
import { readGroupDocument, type ListService } from '../formats/oma-group.js';
import type { XcapDocuments } from '../store/xcap-documents.js';
import { EMPTY_ACCESS_POLICY, readAccessPolicy, type AccessPolicy } from './access-policy.js';
import { OMA_GROUPS_AUID } from './usages/oma-groups.js';
import { IM_RULES_AUID, IM_RULES_DOCUMENT } from './usages/im-rules.js';

/**
 * What the IM server reads from the XDMS. Reads go to the store every time
 * (a SQLite point read), so a document written over XCAP applies to the
 * very next request; the parsed result is cached by ETag.
 */
export class XdmsDirectory {
  private readonly policies = new Map<string, { etag: string; policy: AccessPolicy }>();
  private groupIndex: { stamp: string; byUri: Map<string, { owner: string | null; group: ListService }> } | null = null;

  constructor(private readonly store: XcapDocuments) {}

  /** The user's IM access policy (accept/reject lists); empty when the user has none. */
  async accessPolicy(xui: string): Promise<AccessPolicy> {
    const rec = await this.store.get({ auid: IM_RULES_AUID, xui, path: IM_RULES_DOCUMENT });
    if (rec === null) return EMPTY_ACCESS_POLICY;
    const hit = this.policies.get(xui);
    if (hit?.etag === rec.etag) return hit.policy;
    const policy = readAccessPolicy(rec.body);
    this.policies.set(xui, { etag: rec.etag, policy });
    return policy;
  }

  /** The pre-defined group whose list-service URI is `uri`, with its owner's XUI. */
  async groupByUri(uri: string): Promise<{ owner: string | null; group: ListService } | null> {
    const docs = await this.store.listByAuid(OMA_GROUPS_AUID);
    const stamp = docs.map((d) => `${d.xui}/${d.path}/${d.etag}`).join('|');
    if (this.groupIndex?.stamp !== stamp) {
      const byUri = new Map<string, { owner: string | null; group: ListService }>();
      for (const d of docs) {
        try {
          for (const g of readGroupDocument(d.body)) byUri.set(normaliseUri(g.uri), { owner: d.xui, group: g });
        } catch {
          // Stored documents were validated on the way in; skip one that no longer parses.
        }
      }
      this.groupIndex = { stamp, byUri };
    }
    return this.groupIndex.byUri.get(normaliseUri(uri)) ?? null;
  }
}
