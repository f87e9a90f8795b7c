// The byte-stream interface every MSRP transport satisfies: Node TCP/TLS
// sockets, a WebSocket on the server, the browser's WebSocket. The codec
// above it never knows which one it talks to.
import type { MsrpUri } from '../uri.js';

export type MsrpTransportKind = 'tcp' | 'tls' | 'ws' | 'wss';

export interface MsrpTransportHandler {
  /** Received bytes. For WebSocket, exactly one MSRP chunk (RFC 7977 §5.1). */
  onData(data: Uint8Array): void;
  /** The transport accepts writes again after write() returned false. */
  onDrain(): void;
  /** The connection is gone; `error` when it failed rather than closed. */
  onClose(error?: Error): void;
}

export interface MsrpTransport {
  readonly kind: MsrpTransportKind;
  /** For logs: "host:port" of the peer as the transport sees it. */
  readonly remoteAddress: string;
  /** True for msrps over TLS or WSS (RFC 4975 §6: "msrps" needs TLS). */
  readonly secure: boolean;
  setHandler(handler: MsrpTransportHandler): void;
  /**
   * Writes one complete MSRP frame given as parts (head, body, end-line).
   * Returns false when the caller should wait for onDrain before writing
   * more bulk data; the frame itself is always accepted.
   */
  write(parts: readonly Uint8Array[]): boolean;
  close(): void;
}

/** Opens transports towards the first hop of a path. */
export interface MsrpConnector {
  connect(uri: MsrpUri): Promise<MsrpTransport>;
  /**
   * True when every URI is reached through one connection (a WebSocket
   * client talks only to its relay, RFC 7977 §5.1): the endpoint then keeps
   * one connection instead of one per authority.
   */
  readonly shared?: boolean;
}

/** Whatever takes accepted transports: an MsrpEndpoint (passive side) or an MsrpRelay. */
export interface MsrpTransportSink {
  acceptTransport(transport: MsrpTransport): unknown;
}
