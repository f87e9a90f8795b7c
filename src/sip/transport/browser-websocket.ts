import { systemClock, type Clock } from '../../formats/clock.js';
import { utf8Encode } from '../../formats/bytes.js';
import type { SipMessage } from '../message.js';
import { serializeMessage } from '../serializer.js';
import { DEFAULT_PORTS } from './limits.js';
import { receiveMessage } from './receive.js';
import type { Endpoint, Flow, HostPort, SipTransport, TransportProtocol } from './types.js';

/** The part of the WHATWG WebSocket this transport uses (the browser's, or `ws` on Node). */
export interface WebSocketLike {
  readonly protocol: string;
  readonly readyState: number;
  binaryType: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
}

/**
 * A WebSocket class. The instance type is left open because the `ws`
 * package's overloaded constructor does not match a single signature in
 * TypeScript; its instances do satisfy WebSocketLike.
 */
export type WebSocketConstructor = new (url: string, protocols: string) => unknown;

export interface BrowserWebSocketTransportOptions {
  /** The SIP WebSocket server, e.g. "wss://sip.example.com/sip". */
  readonly url: string;
  /** Defaults to the global WebSocket. */
  readonly WebSocket?: WebSocketConstructor;
  readonly clock?: Clock;
  /** The Via sent-by host; default a random name under ".invalid" (RFC 7118 §5.2). */
  readonly viaHost?: string;
  /** Randomness for the default via host (tests). */
  readonly random?: () => number;
}

const OPEN = 1;
const PING = '\r\n\r\n';

/**
 * SIP over one client WebSocket (RFC 7118), for browsers: every request and
 * response goes over the one connection to the server, whatever address
 * the layer above names (the server is the outbound proxy).
 */
export class BrowserWebSocketTransport implements SipTransport {
  onMessage: SipTransport['onMessage'];
  /** Told when the connection closes; the next `send` opens a new one (a new flow). */
  onFlowClosed: ((flow: Flow) => void) | undefined;
  onError: ((error: Error) => void) | undefined;

  private readonly url: URL;
  private readonly protocol: 'WS' | 'WSS';
  private readonly Ctor: WebSocketConstructor;
  private readonly clock: Clock;
  private readonly via: HostPort;
  private current: BrowserWsFlow | undefined;
  private pending: Promise<BrowserWsFlow> | undefined;
  private seq = 0;
  private closed = false;

  constructor(opts: BrowserWebSocketTransportOptions) {
    this.url = new URL(opts.url);
    this.protocol = this.url.protocol === 'wss:' ? 'WSS' : 'WS';
    const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new Error('no WebSocket implementation available');
    this.Ctor = Ctor;
    this.clock = opts.clock ?? systemClock;
    const port = this.url.port ? Number(this.url.port) : DEFAULT_PORTS[this.protocol];
    // RFC 7118 §5.2: a client that cannot know its address writes a domain
    // under ".invalid" in its Via; the server then adds received (and
    // responses come back over the connection anyway).
    this.via = { address: opts.viaHost ?? randomInvalidHost(opts.random ?? Math.random), port };
  }

  /** The open connection's flow, if any. */
  get flow(): Flow | undefined {
    return this.current?.open ? this.current : undefined;
  }

  /** Opens the connection (or returns the open one). */
  connect(): Promise<Flow> {
    if (this.closed) return Promise.reject(new Error('transport closed'));
    if (this.current?.open) return Promise.resolve(this.current);
    this.pending ??= this.open().finally(() => (this.pending = undefined));
    return this.pending;
  }

  sentBy(_protocol: TransportProtocol): HostPort {
    return this.via;
  }

  async send(message: SipMessage, to: Flow | Endpoint): Promise<Flow> {
    const bytes = serializeMessage(message);
    if ('id' in to && typeof to.send === 'function') {
      // A flow names one connection: a message for a closed one is not sent
      // over another (RFC 5626 §5.3; a response must use its request's connection).
      if (!to.open) throw new Error(`flow ${to.id} is closed`);
      to.send(bytes);
      return to;
    }
    const flow = await this.connect();
    flow.send(bytes);
    return flow;
  }

  /** RFC 5626 §4.4.1 style keep-alive: a double-CRLF the server answers with CRLF. */
  keepAlive(): void {
    this.current?.sendText(PING);
  }

  async close(): Promise<void> {
    this.closed = true;
    const f = this.current;
    if (f?.open) {
      const gone = new Promise<void>((resolve) => f.whenClosed(resolve));
      f.close();
      await gone;
    }
  }

  private open(): Promise<BrowserWsFlow> {
    return new Promise((resolve, reject) => {
      const ws = new this.Ctor(this.url.href, 'sip') as WebSocketLike;
      ws.binaryType = 'arraybuffer';
      const remote = { address: this.url.hostname.replace(/^\[|\]$/g, ''), port: this.via.port };
      const flow = new BrowserWsFlow(`ws-${++this.seq}`, this.protocol, ws, this.via, remote);
      let opened = false;
      ws.addEventListener('open', () => {
        // RFC 7118 §4: the server must have accepted the "sip" sub-protocol.
        if (ws.protocol !== 'sip') {
          ws.close(1002);
          reject(new Error(`${this.url.href} did not accept the sip sub-protocol`));
          return;
        }
        opened = true;
        this.current = flow;
        resolve(flow);
      });
      ws.addEventListener('message', (ev: { data: unknown }) => this.receive(ev.data, flow));
      ws.addEventListener('error', () => {
        if (!opened) reject(new Error(`cannot connect to ${this.url.href}`));
        else this.onError?.(new Error(`WebSocket error on ${flow.id}`));
      });
      ws.addEventListener('close', () => {
        flow.markClosed();
        if (!opened) return reject(new Error(`connection to ${this.url.href} closed`));
        if (this.current === flow) this.current = undefined;
        this.onFlowClosed?.(flow);
      });
    });
  }

  private receive(data: unknown, flow: BrowserWsFlow): void {
    const bytes = typeof data === 'string' ? utf8Encode(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : undefined;
    if (bytes === undefined) return;
    // One WebSocket message is one SIP message (RFC 7118 §5.1), so it is
    // parsed like a datagram: Content-Length is optional.
    const r = receiveMessage(bytes, undefined, true);
    switch (r.kind) {
      case 'message':
        try {
          this.onMessage?.({ message: r.message, flow, receivedAt: this.clock.now() });
        } catch (e) {
          this.onError?.(e as Error);
        }
        break;
      case 'reject':
        if (flow.open) flow.send(serializeMessage(r.response));
        break;
      case 'drop':
      case 'keepalive':
        break;
    }
  }
}

class BrowserWsFlow implements Flow {
  readonly reliable = true;
  readonly secure: boolean;
  private gone = false;
  private readonly waiters: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly protocol: 'WS' | 'WSS',
    private readonly ws: WebSocketLike,
    readonly local: HostPort,
    readonly remote: HostPort,
  ) {
    this.secure = protocol === 'WSS';
  }

  get open(): boolean {
    return !this.gone && this.ws.readyState === OPEN;
  }

  send(bytes: Uint8Array): void {
    if (!this.open) throw new Error(`flow ${this.id} is closed`);
    // RFC 7118 §5.1: text frames for UTF-8 messages, binary otherwise.
    const text = utf8OrUndefined(bytes);
    this.ws.send(text ?? bytes);
  }

  sendText(s: string): void {
    if (this.open) this.ws.send(s);
  }

  close(): void {
    if (!this.gone) this.ws.close(1000);
  }

  whenClosed(fn: () => void): void {
    if (this.gone) fn();
    else this.waiters.push(fn);
  }

  markClosed(): void {
    this.gone = true;
    for (const w of this.waiters.splice(0)) w();
  }
}

const strict = new TextDecoder('utf-8', { fatal: true });

function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

function randomInvalidHost(random: () => number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 12; i++) s += chars[Math.floor(random() * chars.length)];
  return `${s}.invalid`;
}
