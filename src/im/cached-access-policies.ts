import type { XcapDocuments } from '../store/xcap-documents.js';
import type { AccessPolicy } from '../xdms/access-policy.js';
import { IM_RULES_AUID } from '../xdms/usages/im-rules.js';
import type { AccessPolicies } from './access-control.js';

/** Users whose policies are kept; past it the cache starts over. */
const MAX_USERS = 10_000;

/**
 * The users' access policies, read once per user and kept until the XDMS
 * commits a change to that user's im-rules document: access control runs
 * for every MESSAGE and INVITE, and reading the document from the store
 * each time was the IM server's largest cost on the pager relay path.
 * Every writer of the documents goes through the one XcapDocuments store of
 * the server, whose change listeners are told after each commit.
 */
export class CachedAccessPolicies implements AccessPolicies {
  private readonly cache = new Map<string, Promise<AccessPolicy>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly inner: AccessPolicies,
    documents: XcapDocuments,
  ) {
    this.unsubscribe = documents.onChange((c) => {
      if (c.auid !== IM_RULES_AUID) return;
      if (c.xui === null) this.cache.clear();
      else this.cache.delete(c.xui);
    });
  }

  accessPolicy(xui: string): Promise<AccessPolicy> {
    let p = this.cache.get(xui);
    if (p === undefined) {
      if (this.cache.size >= MAX_USERS) this.cache.clear();
      p = this.inner.accessPolicy(xui);
      this.cache.set(xui, p);
      // A failed read is not kept: the next request reads again.
      p.catch(() => {
        if (this.cache.get(xui) === p) this.cache.delete(xui);
      });
    }
    return p;
  }

  close(): void {
    this.unsubscribe();
  }
}
