import type { Clock } from '../formats/clock.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { formatNameAddr } from '../sip/name-addr.js';
import { Params } from '../sip/params.js';
import { createResponse } from '../sip/response.js';
import { newCallId, newTag } from '../sip/ids.js';
import { aorOf, isSipUri } from '../sip/uri.js';
import type { DeferredMessages, NewDeferredMessage } from '../store/deferred-messages.js';

/** Header fields that belong to the message itself and are repeated when it is delivered later. */
const KEPT = ['Content-Type', 'Content-Encoding', 'Content-Language', 'Content-Disposition', 'Subject', 'Priority', 'In-Reply-To'];

export interface DeferredInboxOptions {
  readonly store: DeferredMessages;
  readonly clock: Clock;
  /** How long a stored message waits for a device (ms). */
  readonly maxAgeMs: number;
  /** Live messages one user may hold. */
  readonly quota: number;
  /** Stable message ids; random by default. */
  readonly newId?: () => string;
  /** Told after each commit (deferred-list mirror, metrics). */
  readonly onStored?: (owner: string, id: string, msg: NewDeferredMessage) => void;
  readonly onRefused?: (owner: string) => void;
}

/**
 * The terminating participating function's store (OMA IM digest §3.4,
 * §8.3.3): commits a pager-mode MESSAGE to the recipient's inbox and
 * answers 202 Accepted (RFC 3428 §7: "a 202 ... indicates that the request
 * has been accepted for processing, but the processing has not been
 * completed"). The 202 is built only after the store has committed.
 */
export class DeferredInbox {
  constructor(private readonly o: DeferredInboxOptions) {}

  async accept(req: SipRequest, owner: string, originator: string | null): Promise<SipResponse> {
    const o = this.o;
    const from = req.from();
    const sender = originator ?? (isSipUri(from.uri) ? aorOf(from.uri) : from.uri.scheme + ':');
    const headers: Array<[string, string]> = [];
    for (const name of KEPT) for (const v of req.getLines(name)) headers.push([name, v]);
    const now = o.clock.now();
    const id = (o.newId ?? (() => newCallId()))();
    const msg: NewDeferredMessage = {
      owner,
      sender,
      from: formatNameAddr({ displayName: from.displayName, uri: from.uri, params: new Params() }),
      headers,
      body: req.body,
      receivedAt: now,
      expiresAt: now + o.maxAgeMs,
    };
    const outcome = await o.store.store(msg, id, o.quota, now);
    if (!outcome.stored) {
      o.onRefused?.(owner);
      return createResponse(req, 480, { toTag: newTag(), reason: 'Recipient unavailable and inbox full' });
    }
    o.onStored?.(owner, id, msg);
    // RFC 3428 §7: "2xx responses to a MESSAGE request MUST NOT contain a body".
    return createResponse(req, 202, { toTag: newTag(), reason: 'Accepted for later delivery' });
  }
}
