import type { SipRequest, SipResponse } from '../message.js';
import { createResponse } from '../response.js';
import { TRYING_DELAY } from '../timers.js';
import type { Flow } from '../transport/types.js';
import { ServerTransaction } from './server-transaction.js';
import type { TransactionContext } from './transaction.js';
import { TransactionState } from './transaction-state.js';
import type { ServerTransactionUser } from './transaction-user.js';

const S = TransactionState;

/** Legal moves, shared by every instance. */
const TRANSITIONS = {
  [S.Proceeding]: [S.Accepted, S.Completed, S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Completed]: [S.Confirmed, S.Terminated],
  [S.Confirmed]: [S.Terminated],
};

/**
 * The INVITE server transaction, RFC 3261 §17.2.1 (Figure 7) as updated by
 * RFC 6026 §7.1 (Figure 5: the Accepted state).
 *
 *   Proceeding --2xx--> Accepted --Timer L--> Terminated
 *      |
 *      +--300-699--> Completed --ACK--> Confirmed --Timer I--> Terminated
 *                        +------Timer H------------------------> Terminated
 */
export class ServerInviteTransaction extends ServerTransaction {
  readonly kind = 'ServerInvite' as const;
  protected readonly transitions = TRANSITIONS;

  constructor(key: string, request: SipRequest, flow: Flow, ctx: TransactionContext, user?: ServerTransactionUser) {
    super(key, request, flow, ctx, user, S.Proceeding);
    // §17.2.1: "The server transaction MUST generate a 100 (Trying) response unless it knows that
    // the TU will generate a provisional or final response within 200 ms". It cannot know, so it
    // waits 200 ms for the TU and sends one itself if nothing came. The 100 carries no To tag:
    // "the insertion of tags in the To header field ... is downgraded from MAY to SHOULD NOT".
    this.startTimer('Trying', TRYING_DELAY, () => {
      if (this.state === S.Proceeding && this.lastResponse === undefined) this.sendResponse(createResponse(request, 100));
    });
  }

  respond(response: SipResponse): boolean {
    const status = response.status;
    switch (this.state) {
      case S.Proceeding:
        this.stopTimer('Trying');
        if (status < 200) {
          // "So long as the server transaction is in the "Proceeding" state, each of these MUST be
          // passed to the transport layer for transmission."
          this.sendResponse(response);
        } else if (status < 300) {
          // RFC 6026 §8.5: "If, while in the "Proceeding" state, the TU passes a 2xx response to the
          // server transaction, the server transaction MUST pass this response to the transport layer
          // for transmission ... the server transaction MUST then transition to the "Accepted"
          // state" and set Timer L to 64*T1.
          this.stateTransition(S.Accepted);
          this.sendResponse(response);
          this.startTimer('L', this.timers.L, () => this.terminate());
        } else {
          // §17.2.1: "the response MUST be passed to the transport layer for transmission, and the
          // state machine MUST enter the "Completed" state. For unreliable transports, timer G is
          // set to fire in T1 seconds ... timer H MUST be set to fire in 64*T1 seconds for all transports."
          this.stateTransition(S.Completed);
          this.sendResponse(response);
          const { G, H } = this.timers;
          if (G !== null) this.scheduleG(G);
          this.startTimer('H', H, () => this.timerH());
        }
        return true;
      case S.Accepted:
        // RFC 6026 §8.6: "Any retransmission of the 2xx response passed from the TU to the
        // transaction while in the "Accepted" state MUST be passed to the transport layer".
        if (status >= 200 && status < 300) {
          this.sendResponse(response);
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  private scheduleG(interval: number): void {
    this.startTimer('G', interval, () => {
      if (this.state !== S.Completed) return;
      // "If timer G fires, the response is passed to the transport layer once more for
      // retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds."
      this.resendLast();
      this.scheduleG(Math.min(interval * 2, this.timers.T2));
    });
  }

  private timerH(): void {
    if (this.state !== S.Completed) return;
    // "If timer H fires while in the "Completed" state, it implies that the ACK was never received.
    // In this case, the server transaction MUST transition to the "Terminated" state, and MUST
    // indicate to the TU that a transaction failure has occurred."
    this.user.onTimeout?.();
    this.terminate();
  }

  receiveRequest(_request: SipRequest): void {
    switch (this.state) {
      case S.Proceeding:
        // "If a request retransmission is received while in the "Proceeding" state, the most recent
        // provisional response that was received from the TU MUST be passed to the transport layer
        // for retransmission."
        this.resendLast();
        return;
      case S.Completed:
        // "while in the "Completed" state, if a request retransmission is received, the server
        // SHOULD pass the response to the transport for retransmission."
        this.resendLast();
        return;
      default:
        // RFC 6026 §8.7: "Any retransmissions of the INVITE received while in the "Accepted" state
        // MUST be absorbed by the server transaction. They MUST NOT be passed up to the TU."
        // Confirmed absorbs them too (§17.2.1).
        return;
    }
  }

  /** An ACK the transaction layer matched to this INVITE transaction. */
  receiveAck(ack: SipRequest): void {
    switch (this.state) {
      case S.Completed:
        // §17.2.1: "If an ACK is received while the server transaction is in the "Completed" state,
        // the server transaction MUST transition to the "Confirmed" state." Timer I: "T4 seconds for
        // unreliable transports, and zero seconds for reliable transports".
        this.stopTimer('G');
        this.stopTimer('H');
        this.stateTransition(S.Confirmed);
        this.startTimer('I', this.timers.I, () => this.terminate());
        return;
      case S.Accepted:
        // RFC 6026 §8.7: an ACK matching the transaction in "Accepted" is passed to the TU.
        this.user.receiveAck?.(ack);
        return;
      default:
        // Confirmed: "absorb any additional ACK messages that arrive" (§17.2.1).
        return;
    }
  }
}
