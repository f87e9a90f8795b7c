import type { SipRequest, SipResponse } from '../message.js';
import { serializeMessage, takeSerialized } from '../serializer.js';
import type { Flow } from '../transport/types.js';
import { ServerTransaction } from './server-transaction.js';
import type { TransactionContext } from './transaction.js';
import { TransactionState } from './transaction-state.js';
import type { ServerTransactionUser } from './transaction-user.js';

const S = TransactionState;

/** Legal moves, shared by every instance. */
const TRANSITIONS = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
};

/**
 * The non-INVITE server transaction, RFC 3261 §17.2.2 (Figure 8).
 *
 *   Trying --1xx--> Proceeding --200-699--> Completed --Timer J--> Terminated
 *     +--------------200-699------------------^
 */
export class ServerNonInviteTransaction extends ServerTransaction {
  readonly kind = 'ServerNonInvite' as const;
  protected readonly transitions = TRANSITIONS;

  constructor(key: string, request: SipRequest, flow: Flow, ctx: TransactionContext, user?: ServerTransactionUser) {
    super(key, request, flow, ctx, user, S.Trying);
  }

  respond(response: SipResponse): boolean {
    if (this.state !== S.Trying && this.state !== S.Proceeding) {
      // "Any other final responses passed by the TU to the server transaction MUST be discarded
      // while in the "Completed" state."
      return false;
    }
    if (response.status < 200) {
      // "While in the "Trying" state, if the TU passes a provisional response to the server
      // transaction, the server transaction MUST enter the "Proceeding" state. The response MUST
      // be passed to the transport layer for transmission."
      if (this.state === S.Trying) this.stateTransition(S.Proceeding);
      this.sendResponse(response);
      return true;
    }
    // "If the TU passes a final response (status codes 200-699) to the server while in the
    // "Proceeding" state, the transaction MUST enter the "Completed" state, and the response MUST
    // be passed to the transport layer for transmission."
    this.stateTransition(S.Completed);
    const sent = this.sendResponse(response);
    // "When the server transaction enters the "Completed" state, it MUST set Timer J to fire in
    // 64*T1 seconds for unreliable transports, and zero seconds for reliable transports."
    const J = this.timers.J;
    if (!this.stillIn(S.Completed)) return true;
    if (J > 0 && this.ctx.retire !== undefined) {
      // The layer keeps what Completed needs (the response's bytes, the flow) and runs Timer J.
      const bytes = takeSerialized(response) ?? serializeMessage(response);
      if (this.ctx.retire(this, J, { bytes, flow: this.flow, sent })) return true;
    }
    this.startTimer('J', J, () => this.terminate());
    return true;
  }

  receiveRequest(_request: SipRequest): void {
    // Trying: "Once in the "Trying" state, any further request retransmissions are discarded."
    // Proceeding: "If a retransmission of the request is received while in the "Proceeding" state,
    // the most recently sent provisional response MUST be passed to the transport layer".
    // Completed: "While in the "Completed" state, the server transaction MUST pass the final
    // response to the transport layer for retransmission whenever a retransmission of the request
    // is received."
    if (this.state === S.Proceeding || this.state === S.Completed) this.resendLast();
  }
}
