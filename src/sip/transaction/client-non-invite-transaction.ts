import type { SipRequest, SipResponse } from '../message.js';
import type { Endpoint, Flow } from '../transport/types.js';
import { ClientTransaction } from './client-transaction.js';
import type { TransactionContext } from './transaction.js';
import { TransactionState } from './transaction-state.js';
import type { ClientTransactionUser } from './transaction-user.js';

const S = TransactionState;

/** Legal moves, shared by every instance. */
const TRANSITIONS = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
};

/**
 * The non-INVITE client transaction, RFC 3261 §17.1.2 (Figure 6).
 *
 *   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
 *     |                                        ^
 *     +---------------200-699------------------+
 */
export class ClientNonInviteTransaction extends ClientTransaction {
  readonly kind = 'ClientNonInvite' as const;
  protected readonly transitions = TRANSITIONS;

  constructor(
    key: string,
    request: SipRequest,
    destination: Flow | Endpoint,
    ctx: TransactionContext,
    user?: ClientTransactionUser,
  ) {
    super(key, request, destination, ctx, user, S.Trying);
  }

  start(): void {
    this.sendRequest();
    const { E, F } = this.timers;
    // §17.1.2.2: "If an unreliable transport is in use, the client transaction MUST set timer E to fire in T1 seconds."
    if (E !== null) this.scheduleE(E);
    // "The "Trying" state is entered ... a timer F MUST be set to fire in 64*T1 seconds."
    this.startTimer('F', F, () => this.timerF());
  }

  private scheduleE(interval: number): void {
    this.startTimer('E', interval, () => {
      if (this.state === S.Trying) {
        // "If timer E fires while still in this state, the timer is reset, but this time with a value
        // of MIN(2*T1, T2). When the timer fires again, it is reset to a MIN(4*T1, T2)."
        this.sendRequest();
        this.scheduleE(Math.min(interval * 2, this.timers.T2));
      } else if (this.state === S.Proceeding) {
        // "If Timer E fires while in the "Proceeding" state, the request MUST be passed to the
        // transport layer for retransmission, and Timer E MUST be reset with a value of T2 seconds."
        this.sendRequest();
        this.scheduleE(this.timers.T2);
      }
    });
  }

  private timerF(): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    // "If Timer F fires while the client transaction is still in the "Trying" [or "Proceeding"]
    // state, the client transaction SHOULD inform the TU about the timeout, and then it SHOULD
    // enter the "Terminated" state."
    this.user.onRequestTimeout?.();
    this.terminate();
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    if (this.state === S.Trying || this.state === S.Proceeding) {
      if (status < 200) {
        // "If a provisional response is received while in the "Trying" state, the response MUST be
        // passed to the TU, and then the client transaction SHOULD move to the "Proceeding" state."
        this.user.receiveResponse(response);
        if (this.state === S.Trying) this.stateTransition(S.Proceeding);
        return;
      }
      // "If a final response (status codes 200-699) is received while in the "Trying" [or
      // "Proceeding"] state, the response MUST be passed to the TU, and the client transaction
      // MUST transition to the "Completed" state."
      this.stopTimer('E');
      this.stopTimer('F');
      this.stateTransition(S.Completed);
      this.user.receiveResponse(response);
      // "Once the client transaction enters the "Completed" state, it MUST set Timer K to fire in
      // T4 seconds for unreliable transports, and zero seconds for reliable transports."
      if (!this.stillIn(S.Completed)) return;
      // On UDP the layer may keep Completed in a compact form that absorbs retransmissions and runs Timer K.
      const K = this.timers.K;
      if (K > 0 && this.ctx.retire?.(this, K) === true) return;
      this.startTimer('K', K, () => this.terminate());
    }
    // Completed: "The "Completed" state exists to buffer any additional response retransmissions
    // that may be received" -- absorbed.
  }
}
