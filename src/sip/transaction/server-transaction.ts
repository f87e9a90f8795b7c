import type { SipRequest, SipResponse } from '../message.js';
import type { Flow } from '../transport/types.js';
import { Transaction, type TransactionContext } from './transaction.js';
import type { TransactionState } from './transaction-state.js';
import type { ServerTransactionUser } from './transaction-user.js';

/** What both server machines share: the flow the request came on, the last response, a TU. */
export abstract class ServerTransaction extends Transaction {
  /** The flow the request arrived on; responses go back over it (RFC 3261 §18.2.2). */
  readonly flow: Flow;
  user: ServerTransactionUser;
  /** The layer's key for merged-request detection (RFC 3261 §8.2.2.2), when it filed this transaction under one. */
  mergeKey: string | undefined;
  private last: SipResponse | undefined;

  protected constructor(
    key: string,
    request: SipRequest,
    flow: Flow,
    ctx: TransactionContext,
    user: ServerTransactionUser | undefined,
    initial: TransactionState,
  ) {
    super(key, request, ctx, initial);
    this.flow = flow;
    this.user = user ?? {};
  }

  /** The most recent response the TU passed down (and the transaction sent). */
  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /**
   * A response from the TU. Responses the machine must discard in its
   * current state (§17.2.1, §17.2.2: "Any other final responses passed by
   * the TU to the server transaction MUST be discarded while in the
   * "Completed" state") are dropped; returns whether it was sent.
   */
  abstract respond(response: SipResponse): boolean;

  /** A retransmission of the request that created the transaction. */
  abstract receiveRequest(request: SipRequest): void;

  protected sendResponse(response: SipResponse): Promise<Flow | undefined> {
    this.last = response;
    const sent = this.transmit(response, this.flow);
    // Serialized by now; what stays is only resent (§17.2.1, §17.2.2).
    if (response.status >= 200) response.compact();
    return sent;
  }

  override get observed(): boolean {
    return super.observed || this.user.onTerminated !== undefined;
  }

  protected resendLast(): void {
    if (this.last !== undefined) void this.transmit(this.last, this.flow);
  }

  protected override terminated(): void {
    this.user.onTerminated?.();
  }

  protected override onTransportFailure(error: Error): void {
    // RFC 3261 §17.2.4: "the server transaction ... SHOULD inform the TU", and the machines of
    // Figures 7 and 8 move to Terminated on a transport error.
    this.user.onTransportError?.(error);
    this.terminate();
  }
}
