import type { SipRequest, SipResponse } from '../message.js';

/**
 * What a client transaction tells its transaction user (the UAC core or a
 * proxy's response context). The transaction module declares it; the TU
 * implements it, so the transaction never imports the TU.
 */
export interface ClientTransactionUser {
  /**
   * A response for the TU: provisional and final responses (§17.1.1.2,
   * §17.1.2.2) and, in the Accepted state, every 2xx retransmission or 2xx
   * from another fork (RFC 6026 §8.4). Retransmitted non-2xx finals are
   * absorbed and never reach here.
   */
  receiveResponse(response: SipResponse): void;
  /**
   * Timer B or F fired with no final response. RFC 3261 §8.1.3.1: the UAC
   * "MUST treat this as if a 408 (Request Timeout) had been received".
   */
  onRequestTimeout?(): void;
  /** RFC 3261 §17.1.4: the transport could not send; "the client transaction SHOULD inform the TU". */
  onTransportError?(error: Error): void;
  /** The transaction reached Terminated (any cause). */
  onTerminated?(): void;
}

/** What a server transaction tells its transaction user (the UAS core or a proxy). */
export interface ServerTransactionUser {
  /**
   * RFC 6026 §8.7: an ACK that matched the INVITE server transaction in the
   * Accepted state "MUST be passed up to the TU".
   */
  receiveAck?(ack: SipRequest): void;
  /**
   * Timer H fired: no ACK for a non-2xx final response. RFC 3261 §17.2.1:
   * "the server transaction ... SHOULD inform the TU that a failure has
   * occurred".
   */
  onTimeout?(): void;
  /** RFC 3261 §17.2.4: a response could not be sent. */
  onTransportError?(error: Error): void;
  onTerminated?(): void;
}
