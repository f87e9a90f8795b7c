import type { Socket } from 'node:dgram';
import type { Flow, HostPort } from './types.js';

/** One bound UDP socket of the transport. */
export interface UdpListener {
  readonly index: number;
  readonly socket: Socket;
  readonly local: HostPort;
  readonly family: 4 | 6;
  open: boolean;
}

/**
 * RFC 5626 §3: for UDP a flow is our socket plus one remote address; it
 * holds no state, so it can be rebuilt from its id at any time.
 */
export class UdpFlow implements Flow {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly secure = false;

  /** One completion callback per flow, not one closure per datagram. */
  private readonly sent: (e: Error | null) => void;

  constructor(
    readonly id: string,
    readonly listener: UdpListener,
    readonly remote: HostPort,
    private readonly hooks: { wrote(flow: Flow): void; error(e: Error, flow: Flow): void },
  ) {
    this.sent = (e) => {
      if (e) this.hooks.error(e, this);
    };
  }

  get local(): HostPort {
    return this.listener.local;
  }

  get open(): boolean {
    return this.listener.open;
  }

  send(bytes: Uint8Array): void {
    if (!this.listener.open) throw new Error(`flow ${this.id} is closed`);
    // UDP is fire and forget: a send error (no route, ICMP) is only reported.
    this.listener.socket.send(bytes, this.remote.port, this.remote.address, this.sent);
    this.hooks.wrote(this);
  }

  close(): void {
    // Nothing to close: the socket is shared by every UDP flow.
  }
}
