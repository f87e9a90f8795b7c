/**
 * The states of the four transaction machines (RFC 3261 §17.1.1, §17.1.2,
 * §17.2.1, §17.2.2), with the Accepted state RFC 6026 §7 adds to both
 * INVITE machines.
 */
export enum TransactionState {
  /** Client INVITE: request sent, nothing received. */
  Calling = 'Calling',
  /** Client and server non-INVITE: request sent / received, no response yet. */
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  /** RFC 6026: a 2xx to an INVITE went through; ACK and 2xx retransmissions belong to the TU. */
  Accepted = 'Accepted',
  Completed = 'Completed',
  /** Server INVITE: the ACK for a non-2xx final response arrived. */
  Confirmed = 'Confirmed',
  Terminated = 'Terminated',
}

/** Thrown by stateTransition() on a move its machine does not have: a bug, never a network event. */
export class TransactionStateError extends Error {
  constructor(kind: string, from: TransactionState, to: TransactionState) {
    super(`${kind}: illegal state transition ${from} -> ${to}`);
    this.name = 'TransactionStateError';
  }
}
