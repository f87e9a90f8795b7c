import { aorOf, isSipUri } from '../sip/uri.js';
import type { SipRequest } from '../sip/message.js';
import { decide, type AccessPolicy } from '../xdms/access-policy.js';

/**
 * Where users' accept and reject lists come from (OMA IM digest §4.4): the
 * XDMS's access-policy documents (XdmsDirectory), or anything else that
 * can answer for one user.
 */
export interface AccessPolicies {
  accessPolicy(xui: string): Promise<AccessPolicy>;
}

/** Methods the recipient's lists apply to (issue: "applied to MESSAGE and INVITE alike"). */
const CONTROLLED = new Set(['MESSAGE', 'INVITE']);

/**
 * The terminating participating function's access control (OMA IM digest
 * §8.3.2): the recipient's lists are evaluated against the authenticated
 * originator (P-Asserted-Identity), or the From address of a request from
 * another domain, which is the best identity such a request has.
 */
export class AccessControl {
  constructor(private readonly policies: AccessPolicies) {}

  applies(req: SipRequest): boolean {
    return CONTROLLED.has(req.method);
  }

  async allows(req: SipRequest, recipient: string, originator: string | null): Promise<boolean> {
    let sender = originator;
    if (sender === null) {
      const from = req.from().uri;
      sender = isSipUri(from) ? aorOf(from) : from.scheme;
    }
    const policy = await this.policies.accessPolicy(recipient);
    return decide(policy, sender, recipient) === 'accept';
  }
}
