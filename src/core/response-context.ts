import type { SipRequest, SipResponse } from '../sip/message.js';
import { createResponse } from '../sip/response.js';
import type { ClientInviteTransaction } from '../sip/transaction/client-invite-transaction.js';
import type { AnyClientTransaction, TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { Endpoint, Flow } from '../sip/transport/types.js';

export interface Branch {
  readonly request: SipRequest;
  readonly destination: Flow | Endpoint;
}

export interface ResponseContextEvents {
  /** A response to pass upstream now: 101-199 for INVITE, every 2xx (RFC 3261 §16.7 step 5). Our Via is already removed. */
  forward(response: SipResponse): void;
}

/** How a fork ended: a 2xx was forwarded, or all branches failed and this is the best failure (§16.7 step 6). */
export type ForkOutcome =
  | { readonly kind: 'success'; readonly response: SipResponse }
  | { readonly kind: 'failure'; readonly best: SipResponse; readonly responses: readonly SipResponse[] };

/**
 * The response context of a stateful proxy, RFC 3261 §16.7: the client
 * transactions of one forwarded request, provisional and 2xx responses
 * passed upstream at once, final failures kept until every branch has
 * answered, CANCEL of the pending INVITE branches on a 2xx or 6xx
 * (§16.7 step 10, §16.10), 408 for a branch that timed out and 503 for one
 * the transport could not reach (§16.7 step 1, §16.9).
 */
export class ResponseContext {
  private readonly layer: TransactionLayer;
  private readonly request: SipRequest;
  private readonly events: ResponseContextEvents;
  private readonly pending = new Set<AnyClientTransaction>();
  private readonly finals: SipResponse[] = [];
  private succeeded: SipResponse | undefined;
  private cancelled = false;
  private resolve!: (o: ForkOutcome) => void;
  readonly outcome: Promise<ForkOutcome>;

  constructor(layer: TransactionLayer, request: SipRequest, events: ResponseContextEvents) {
    this.layer = layer;
    this.request = request;
    this.events = events;
    this.outcome = new Promise((r) => (this.resolve = r));
  }

  /** Starts every branch in parallel (§16.6 "parallel forking"). */
  start(branches: readonly Branch[]): void {
    if (branches.length === 0) throw new Error('a response context needs a branch');
    for (const b of branches) this.startBranch(b);
  }

  private startBranch(b: Branch): void {
    let tx: AnyClientTransaction | undefined;
    const onFinal = (res: SipResponse) => {
      if (tx) this.pending.delete(tx);
      this.receiveFinal(res);
    };
    tx = this.layer.sendRequest(b.request, b.destination, {
      receiveResponse: (res) => {
        if (res.status < 200) {
          // §16.7 step 5: 100 is not forwarded; other provisional responses to INVITE are.
          if (res.status > 100 && this.request.method === 'INVITE' && !this.done) this.events.forward(upstream(res));
          return;
        }
        if (res.status < 300) {
          // Every 2xx to an INVITE is forwarded, even after the first (§16.7 step 5, RFC 6026).
          if (this.request.method === 'INVITE' || this.succeeded === undefined) this.events.forward(upstream(res));
          if (tx && this.pending.has(tx)) {
            this.pending.delete(tx);
            if (this.succeeded === undefined) {
              this.succeeded = res;
              this.cancelPending();
              this.finish();
            }
          }
          return;
        }
        if (tx && !this.pending.has(tx)) return;
        onFinal(res);
      },
      onRequestTimeout: () => onFinal(createResponse(b.request, 408)),
      onTransportError: () => onFinal(createResponse(b.request, 503, { reason: 'Next hop unreachable' })),
      // The branch request already carries our Via with its loop-detection branch.
    }, { addVia: false });
    this.pending.add(tx);
  }

  private get done(): boolean {
    return this.succeeded !== undefined || (this.pending.size === 0 && this.finals.length > 0);
  }

  private receiveFinal(res: SipResponse): void {
    this.finals.push(res);
    // §16.7 step 10: a 6xx to an INVITE cancels the other branches.
    if (res.status >= 600 && this.request.method === 'INVITE') this.cancelPending();
    this.finish();
  }

  /** CANCEL of an INVITE from upstream (§16.10): cancel every pending branch. */
  cancel(): void {
    this.cancelled = true;
    this.cancelPending();
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  private cancelPending(): void {
    for (const tx of this.pending) {
      if (tx.request.method === 'INVITE') this.layer.cancel(tx as ClientInviteTransaction);
    }
  }

  private finish(): void {
    if (this.succeeded !== undefined) {
      this.resolve({ kind: 'success', response: this.succeeded });
      return;
    }
    if (this.pending.size > 0) return;
    this.resolve({ kind: 'failure', best: upstream(bestResponse(this.finals)), responses: this.finals });
  }
}

/** The response as it goes upstream: without our Via (§16.7 step 9). */
function upstream(res: SipResponse): SipResponse {
  const out = res.clone();
  out.removeFirstValue('Via');
  return out;
}

/**
 * §16.7 step 6: a 6xx if there is one, else the lowest class, preferring
 * among 4xx the more specific answers; 401/407 challenges of every branch
 * are merged (§16.7 step 7); a 503 becomes 500 (§16.7 step 6).
 */
export function bestResponse(finals: readonly SipResponse[]): SipResponse {
  const six = finals.find((r) => r.status >= 600);
  let best: SipResponse;
  if (six) best = six;
  else {
    const rank = (s: number) => {
      const cls = Math.floor(s / 100);
      // Prefer answers that say something about the user over generic ones.
      const generic = s === 408 || s === 480 || s === 503 || s === 500 ? 1 : 0;
      return cls * 10 + generic;
    };
    best = finals.reduce((a, b) => (rank(b.status) < rank(a.status) ? b : a));
  }
  if (best.status === 401 || best.status === 407) {
    const merged = best.clone();
    for (const r of finals) {
      if (r === best) continue;
      for (const v of r.getLines('WWW-Authenticate')) merged.append('WWW-Authenticate', v);
      for (const v of r.getLines('Proxy-Authenticate')) merged.append('Proxy-Authenticate', v);
    }
    return merged;
  }
  if (best.status === 503) {
    const converted = best.clone();
    converted.status = 500;
    converted.reason = 'Next hop unavailable';
    converted.remove('Retry-After');
    return converted;
  }
  return best;
}
