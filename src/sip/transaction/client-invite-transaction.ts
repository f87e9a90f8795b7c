import type { SipRequest, SipResponse } from '../message.js';
import type { Endpoint, Flow } from '../transport/types.js';
import { createNonSuccessAck } from './ack.js';
import { ClientTransaction } from './client-transaction.js';
import type { TransactionContext } from './transaction.js';
import { TransactionState } from './transaction-state.js';
import type { ClientTransactionUser } from './transaction-user.js';

const S = TransactionState;

/** Legal moves, shared by every instance. */
const TRANSITIONS = {
  [S.Calling]: [S.Proceeding, S.Completed, S.Accepted, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Accepted, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
};

/**
 * The INVITE client transaction, RFC 3261 §17.1.1 (Figure 5) as updated by
 * RFC 6026 §7.2 (Figure 4: the Accepted state).
 *
 *   Calling --1xx--> Proceeding --300-699--> Completed --Timer D--> Terminated
 *      |                 |
 *      +------2xx--------+---> Accepted --Timer M--> Terminated
 */
export class ClientInviteTransaction extends ClientTransaction {
  readonly kind = 'ClientInvite' as const;
  protected readonly transitions = TRANSITIONS;
  private ack: SipRequest | undefined;

  constructor(
    key: string,
    request: SipRequest,
    destination: Flow | Endpoint,
    ctx: TransactionContext,
    user?: ClientTransactionUser,
  ) {
    super(key, request, destination, ctx, user, S.Calling);
  }

  start(): void {
    // RFC 3261 §17.1.1.2: "The client transaction MUST pass the request to the transport layer for transmission".
    this.sendRequest();
    const { A, B } = this.timers;
    // "If an unreliable transport is being used, the client transaction MUST start timer A with a value of T1."
    if (A !== null) this.scheduleA(A);
    // "For any transport, the client transaction MUST start timer B with a value of 64*T1 seconds".
    this.startTimer('B', B, () => this.timerB());
  }

  private scheduleA(interval: number): void {
    this.startTimer('A', interval, () => {
      if (this.state !== S.Calling) return;
      // "When timer A fires, the client transaction MUST retransmit the request ... and MUST reset
      // the timer with a value of 2*T1" -- intervals keep doubling, with no T2 cap for INVITE.
      this.sendRequest();
      this.scheduleA(interval * 2);
    });
  }

  private timerB(): void {
    if (this.state !== S.Calling) return;
    // "If the client transaction is still in the "Calling" state when timer B fires, the client
    // transaction SHOULD inform the TU that a timeout has occurred."
    this.user.onRequestTimeout?.();
    this.terminate();
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case S.Calling:
      case S.Proceeding:
        if (status < 200) {
          if (this.state === S.Calling) {
            // "the client transaction SHOULD NOT retransmit the request any longer" (§17.1.1.2)
            this.stopTimer('A');
            this.stopTimer('B');
            this.stateTransition(S.Proceeding);
          }
          this.user.receiveResponse(response);
        } else if (status < 300) {
          // RFC 6026 §8.4: "If a 2xx response is received while the client INVITE state machine is
          // in the "Calling" or "Proceeding" states, it MUST transition to the "Accepted" state,
          // pass the 2xx response to the TU, and set Timer M to 64*T1."
          this.stopTimer('A');
          this.stopTimer('B');
          this.stateTransition(S.Accepted);
          this.user.receiveResponse(response);
          if (this.stillIn(S.Accepted)) this.startTimer('M', this.timers.M, () => this.terminate());
        } else {
          // §17.1.1.2: "the client transaction MUST transition to the "Completed" state ... MUST
          // generate an ACK request ... and MUST pass the received response up to the TU".
          this.stopTimer('A');
          this.stopTimer('B');
          this.stateTransition(S.Completed);
          this.ack = createNonSuccessAck(this.request, response);
          this.sendRequest(this.ack);
          this.user.receiveResponse(response);
          // "The client transaction SHOULD start timer D ... with a value of at least 32 seconds for
          // unreliable transports, and a value of zero seconds for reliable transports."
          if (this.stillIn(S.Completed)) this.startTimer('D', this.timers.D, () => this.terminate());
        }
        return;
      case S.Completed:
        // "Any retransmissions of the final response that are received while in the "Completed"
        // state MUST cause the ACK to be re-passed to the transport layer for retransmission, but
        // the newly received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack !== undefined) this.sendRequest(this.ack);
        return;
      case S.Accepted:
        // RFC 6026 §8.4: "Any 2xx responses that match this client transaction and that are
        // received while in the "Accepted" state MUST be passed up to the TU."
        if (status >= 200 && status < 300) this.user.receiveResponse(response);
        return;
      default:
        return;
    }
  }
}
