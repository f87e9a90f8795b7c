import { normaliseUri } from '../formats/common-policy.js';
import { readGroupDocument, type ListService } from '../formats/oma-group.js';
import type { XcapDocuments } from '../store/xcap-documents.js';
import { EMPTY_ACCESS_POLICY, readAccessPolicy, type AccessPolicy } from './access-policy.js';
import { OMA_GROUPS_AUID } from './usages/oma-groups.js';
import { IM_RULES_AUID, IM_RULES_DOCUMENT } from './usages/im-rules.js';

/**
 * What the IM server reads from the XDMS. Reads go to the store every time
 * (a SQLite point read), so a document written over XCAP applies to the
 * very next request (CachedAccessPolicies in the IM server caches policies).
 */
export class XdmsDirectory {
  /** Groups by list-service URI; rebuilt after any group document changes (the store sees every writer). */
  private groupIndex: Map<string, { owner: string | null; group: ListService }> | null = null;

  constructor(private readonly store: XcapDocuments) {
    store.onChange((c) => {
      if (c.auid === OMA_GROUPS_AUID) this.groupIndex = null;
    });
  }

  /** The user's IM access policy (accept/reject lists); empty when the user has none. */
  async accessPolicy(xui: string): Promise<AccessPolicy> {
    const rec = await this.store.get({ auid: IM_RULES_AUID, xui, path: IM_RULES_DOCUMENT });
    return rec === null ? EMPTY_ACCESS_POLICY : readAccessPolicy(rec.body);
  }

  /** The pre-defined group whose list-service URI is `uri`, with its owner's XUI. */
  async groupByUri(uri: string): Promise<{ owner: string | null; group: ListService } | null> {
    if (this.groupIndex === null) {
      const byUri = new Map<string, { owner: string | null; group: ListService }>();
      for (const d of await this.store.listByAuid(OMA_GROUPS_AUID)) {
        try {
          for (const g of readGroupDocument(d.body)) byUri.set(normaliseUri(g.uri), { owner: d.xui, group: g });
        } catch {
          // Stored documents were validated on the way in; skip one that no longer parses.
        }
      }
      this.groupIndex = byUri;
    }
    return this.groupIndex.get(normaliseUri(uri)) ?? null;
  }
}
