import { isUtf8 } from 'node:buffer';
import type { WebSocket, RawData } from 'ws';
import { IdleTimer } from './idle-timer.js';
import type { NodeFlowContext } from './node-flow-context.js';
import type { Flow, HostPort } from './types.js';

/** One WebSocket connection carrying the `sip` sub-protocol (RFC 7118): one SIP message per WebSocket message. */
export class NodeWsFlow implements Flow {
  readonly reliable = true;
  readonly secure: boolean;
  private readonly idle: IdleTimer;
  private gone = false;

  constructor(
    readonly id: string,
    readonly protocol: 'WS' | 'WSS',
    private readonly ws: WebSocket,
    readonly local: HostPort,
    readonly remote: HostPort,
    private readonly ctx: NodeFlowContext,
  ) {
    this.secure = protocol === 'WSS';
    this.idle = new IdleTimer(ctx.clock, ctx.idleTimeoutMs, () => {
      ctx.idle(this);
      this.close();
    });
    ws.on('message', (data) => this.onMessage(toBytes(data)));
    ws.on('ping', () => this.idle.touch());
    ws.on('error', (e) => ctx.error(e, this));
    ws.on('close', () => this.onClose());
  }

  get open(): boolean {
    return !this.gone && this.ws.readyState === this.ws.OPEN;
  }

  send(bytes: Uint8Array): void {
    if (!this.open) throw new Error(`flow ${this.id} is closed`);
    this.idle.touch();
    // RFC 7118 §5.1: SIP messages go in text frames when they are valid
    // UTF-8, binary frames otherwise (a binary body).
    this.ws.send(bytes, { binary: !isUtf8(bytes) });
    this.ctx.wrote(this);
  }

  close(): void {
    if (this.gone) return;
    this.idle.stop();
    this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }

  private onMessage(bytes: Uint8Array): void {
    this.idle.touch();
    if (isDoubleCrlf(bytes)) {
      // RFC 5626 §3.5.1 keep-alive as SIP.js sends it over WebSocket: a
      // double-CRLF message is answered with a single CRLF.
      this.ctx.keepAlive(this);
      if (this.open) this.ws.send('\r\n');
      return;
    }
    this.ctx.message(bytes, this, true);
  }

  private onClose(): void {
    if (this.gone) return;
    this.gone = true;
    this.idle.stop();
    this.ctx.closed(this);
  }
}

function isDoubleCrlf(b: Uint8Array): boolean {
  return b.length === 4 && b[0] === 13 && b[1] === 10 && b[2] === 13 && b[3] === 10;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
