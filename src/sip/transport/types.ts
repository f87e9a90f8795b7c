import type { SipMessage } from '../message.js';

/** Transport names as they appear in a Via (RFC 3261 §18, RFC 7118 §5). */
export type TransportProtocol = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';

export interface HostPort {
  readonly address: string;
  readonly port: number;
}

/** Where to send: a protocol and a remote address. */
export interface Endpoint extends HostPort {
  readonly protocol: TransportProtocol;
}

/**
 * A flow (RFC 5626 §3): for a stream, one connection; for UDP, the pair of
 * our listening socket and one remote address. Requests to a registered
 * flow and responses go back over it (RFC 3261 §18.2.2, RFC 5626 §5.3).
 */
export interface Flow {
  /** Stable while the flow lives; usable as a key (and in a flow token). */
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly local: HostPort;
  readonly remote: HostPort;
  /** True for TCP, TLS, WS, WSS: no retransmissions needed (RFC 3261 §17.1.1.2 timer A). */
  readonly reliable: boolean;
  /** True for TLS and WSS. */
  readonly secure: boolean;
  /** False once the connection is gone (always true for UDP). */
  readonly open: boolean;
  send(bytes: Uint8Array): void;
  close(): void;
}

/** What the transport layer hands up for every message received. */
export interface Incoming {
  readonly message: SipMessage;
  readonly flow: Flow;
  /** Clock time of arrival (ms). */
  readonly receivedAt: number;
}

/**
 * The transport layer's contract with the layers above (the transaction
 * layer and stateless elements). Node sockets and the browser WebSocket
 * both implement it.
 */
export interface SipTransport {
  /**
   * Sends a message. A request goes to `to` (reusing an open flow to that
   * address when there is one); a response goes over `to` when it is a flow
   * that is still open, else per RFC 3261 §18.2.2 from its top Via.
   * Resolves with the flow used; rejects when nothing could be sent.
   */
  send(message: SipMessage, to: Flow | Endpoint): Promise<Flow>;
  /** The sent-by (host:port) this transport writes into Via for a protocol (RFC 3261 §18.1.1). */
  sentBy(protocol: TransportProtocol): HostPort;
  /** Called for every well-formed message received. */
  onMessage: ((incoming: Incoming) => void) | undefined;
  close(): Promise<void>;
}
