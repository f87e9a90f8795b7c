import type { SipRequest, SipResponse } from '../message.js';
import type { Endpoint, Flow } from '../transport/types.js';
import { Transaction, type TransactionContext } from './transaction.js';
import type { TransactionState } from './transaction-state.js';
import type { ClientTransactionUser } from './transaction-user.js';

const NOOP_USER: ClientTransactionUser = { receiveResponse: () => {} };

/** What both client machines share: a destination, the flow the request left on, a TU. */
export abstract class ClientTransaction extends Transaction {
  /** Where the request goes: an address, or a flow to reuse (RFC 5626 §5.3). */
  readonly destination: Flow | Endpoint;
  user: ClientTransactionUser;
  private sentOn: Flow | undefined;

  protected constructor(
    key: string,
    request: SipRequest,
    destination: Flow | Endpoint,
    ctx: TransactionContext,
    user: ClientTransactionUser | undefined,
    initial: TransactionState,
  ) {
    super(key, request, ctx, initial);
    this.destination = destination;
    this.user = user ?? NOOP_USER;
  }

  /** The flow the request went out on, once the transport said. */
  get flow(): Flow | undefined {
    return this.sentOn;
  }

  /** Passes the request to the transport and starts the timers of the initial state. */
  abstract start(): void;

  /** A response the transaction layer matched to this transaction (§17.1.3). */
  abstract receiveResponse(response: SipResponse): void;

  /**
   * "The formal definition of retransmit within the context of the
   * transaction layer is to take the message previously sent to the
   * transport layer and pass it to the transport layer once more" (§17.1.1.2):
   * over the same flow while it is open.
   */
  protected sendRequest(message: SipRequest = this.request): void {
    const to = this.sentOn !== undefined && this.sentOn.open ? this.sentOn : this.destination;
    void this.transmit(message, to).then((flow) => {
      if (flow !== undefined && this.sentOn === undefined) this.sentOn = flow;
    });
  }

  override get observed(): boolean {
    return super.observed || this.user.onTerminated !== undefined;
  }

  protected override terminated(): void {
    this.user.onTerminated?.();
  }

  protected override onTransportFailure(error: Error): void {
    this.user.onTransportError?.(error);
    this.terminate();
  }
}
