import type { Socket } from 'node:net';
import { StreamFramer } from '../stream-framer.js';
import { IdleTimer } from './idle-timer.js';
import { normalizeAddress } from './ip.js';
import type { NodeFlowContext } from './node-flow-context.js';
import type { Flow, HostPort } from './types.js';

const PONG = new Uint8Array([13, 10]);

/** How long a closing connection may stay half-closed before it is destroyed. */
const CLOSE_GRACE_MS = 5000;

/** A TCP or TLS connection (RFC 3261 §18.3, RFC 5626 §3): one flow, framed by Content-Length. */
export class NodeStreamFlow implements Flow {
  readonly reliable = true;
  readonly secure: boolean;
  readonly local: HostPort;
  readonly remote: HostPort;
  private readonly framer: StreamFramer;
  private readonly idle: IdleTimer;
  private gone = false;

  constructor(
    readonly id: string,
    readonly protocol: 'TCP' | 'TLS',
    private readonly socket: Socket,
    private readonly ctx: NodeFlowContext,
  ) {
    this.secure = protocol === 'TLS';
    this.local = { address: normalizeAddress(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
    this.remote = { address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.framer = new StreamFramer({ maxHeaderBytes: ctx.maxHeaderBytes, maxBodyBytes: ctx.maxBodyBytes });
    this.idle = new IdleTimer(ctx.clock, ctx.idleTimeoutMs, () => {
      ctx.idle(this);
      this.close();
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => ctx.error(e, this));
    socket.on('close', () => this.onClose());
  }

  get open(): boolean {
    return !this.gone && this.socket.writable;
  }

  send(bytes: Uint8Array): void {
    if (!this.open) throw new Error(`flow ${this.id} is closed`);
    this.idle.touch();
    // Messages written in one turn of the event loop leave in one system
    // call: cork now, uncork once the turn's work is done (a push of stored
    // messages or a burst of responses writes dozens at a time).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(bytes);
    this.ctx.wrote(this);
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  close(): void {
    if (this.gone) return;
    this.idle.stop();
    // A FIN first so what was written still arrives; destroy if the peer never closes its side.
    this.socket.end();
    const t = this.ctx.clock.setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.socket.once('close', () => this.ctx.clock.clearTimeout(t));
  }

  /** Closes at once, without waiting for queued writes (transport shutdown). */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.idle.touch();
    for (const ev of this.framer.push(chunk)) {
      if (this.gone) return;
      switch (ev.type) {
        case 'message':
          this.ctx.message(ev.bytes, this, false);
          break;
        case 'ping':
          // RFC 5626 §3.5.1: answer a double-CRLF with a single CRLF at once.
          this.ctx.keepAlive(this);
          if (this.socket.writable) this.socket.write(PONG);
          break;
        case 'error':
          this.ctx.framingError(ev, this);
          // RFC 3261 §18.3 / RFC 4475 ncl: the framing is lost, close the connection.
          if (ev.fatal) this.close();
          break;
      }
    }
  }

  private onClose(): void {
    if (this.gone) return;
    this.gone = true;
    this.idle.stop();
    this.ctx.closed(this);
  }
}
