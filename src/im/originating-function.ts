import type { OriginatingRequest } from '../core/sip-core.js';
import { createResponse } from '../sip/response.js';
import { newTag } from '../sip/ids.js';
import { checkPagerSize, type PagerLimits } from './pager-limits.js';

/**
 * The sender's originating participating function (OMA IM digest §8.3.1):
 * it "enforces pager size" on every pager-mode MESSAGE one of our users
 * sends, wherever it goes (a user, a group, another domain). The core has
 * already authenticated the sender and asserted the identity.
 */
export class OriginatingFunction {
  constructor(private readonly limits: PagerLimits) {}

  /** CoreHooks.originating: true when the request has been answered. */
  async handle(r: OriginatingRequest): Promise<boolean> {
    const req = r.request;
    if (req.method !== 'MESSAGE') return false;
    const size = checkPagerSize(req, r.incoming.flow.protocol, this.limits);
    if (size.ok) return false;
    r.tx.respond(createResponse(req, size.status, { toTag: newTag(), reason: size.reason }));
    return true;
  }
}
