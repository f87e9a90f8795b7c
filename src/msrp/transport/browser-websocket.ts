// MSRP over WebSocket (RFC 7977) through the WHATWG WebSocket API: the
// browser's global WebSocket, or any class with the same shape (the `ws`
// package in Node, on both the client and the server side).
import { concatBytes, utf8Encode } from '../../formats/bytes.js';
import { type Clock, systemClock } from '../clock.js';
import type { MsrpUri } from '../uri.js';
import type { MsrpConnector, MsrpTransport, MsrpTransportHandler } from './transport.js';

/** RFC 7977 §4.1: the sub-protocol name. */
export const MSRP_WS_PROTOCOL = 'msrp';

export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly protocol: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface WebSocketTransportOptions {
  /** True for wss (RFC 7977 §5.1: MSRP over WebSocket MUST use WSS in production). */
  secure: boolean;
  remoteAddress?: string;
  /** Above this many buffered bytes write() asks the caller to wait. Default 1 MiB. */
  highWaterMark?: number;
  /** Polls bufferedAmount while waiting (the browser API has no drain event). */
  clock?: Clock;
}

const OPEN = 1;

export class WebSocketTransport implements MsrpTransport {
  readonly kind: 'ws' | 'wss';
  readonly secure: boolean;
  readonly remoteAddress: string;
  readonly #ws: WebSocketLike;
  readonly #hwm: number;
  readonly #clock: Clock;
  #handler: MsrpTransportHandler | undefined;
  #waiting = false;
  #closed = false;

  constructor(ws: WebSocketLike, opts: WebSocketTransportOptions) {
    this.#ws = ws;
    this.secure = opts.secure;
    this.kind = opts.secure ? 'wss' : 'ws';
    this.remoteAddress = opts.remoteAddress ?? '';
    this.#hwm = opts.highWaterMark ?? 1 << 20;
    this.#clock = opts.clock ?? systemClock;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => this.#handler?.onData(toBytes(ev.data));
    ws.onclose = () => this.#closedNow();
    ws.onerror = () => this.#closedNow(new Error('WebSocket error'));
  }

  setHandler(handler: MsrpTransportHandler): void {
    this.#handler = handler;
  }

  write(parts: readonly Uint8Array[]): boolean {
    if (this.#closed || this.#ws.readyState !== OPEN) return false;
    // RFC 7977 §5.1: "Each MSRP chunk MUST be carried within a single WebSocket message".
    this.#ws.send(parts.length === 1 ? parts[0]! : concatBytes(parts));
    if (this.#ws.bufferedAmount < this.#hwm) return true;
    this.#waitForDrain();
    return false;
  }

  close(): void {
    if (this.#closed) return;
    this.#ws.close(1000);
    this.#closedNow();
  }

  #waitForDrain(): void {
    if (this.#waiting) return;
    this.#waiting = true;
    const poll = () => {
      if (this.#closed) return;
      if (this.#ws.bufferedAmount < this.#hwm / 2) {
        this.#waiting = false;
        this.#handler?.onDrain();
      } else this.#clock.setTimer(5, poll);
    };
    this.#clock.setTimer(5, poll);
  }

  #closedNow(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler?.onClose(error);
  }
}

function toBytes(data: unknown): Uint8Array {
  // RFC 7977 §4.2: "MSRP WebSocket Clients and Servers MUST accept both text
  // and binary frames" and read text frames as bytes.
  if (typeof data === 'string') return utf8Encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return concatBytes(data as Uint8Array[]);
  throw new TypeError('unsupported WebSocket message data');
}

export interface WebSocketConnectOptions {
  /** The WebSocket class; defaults to the global one (browsers, Node 22+). */
  WebSocket?: WebSocketConstructor;
  clock?: Clock;
  highWaterMark?: number;
}

/** Opens a WebSocket with the "msrp" sub-protocol; fails if the server does not agree to it (RFC 7977 §4.1). */
export function connectWebSocket(url: string, opts: WebSocketConnectOptions = {}): Promise<WebSocketTransport> {
  const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) return Promise.reject(new Error('no WebSocket implementation available'));
  return new Promise((resolve, reject) => {
    const ws = new Ctor(url, [MSRP_WS_PROTOCOL]);
    ws.binaryType = 'arraybuffer';
    ws.onerror = () => reject(new Error(`WebSocket connection to ${url} failed`));
    ws.onclose = () => reject(new Error(`WebSocket connection to ${url} closed`));
    ws.onopen = () => {
      if (ws.protocol !== MSRP_WS_PROTOCOL) {
        ws.close(1002);
        reject(new Error('server did not accept the msrp sub-protocol'));
        return;
      }
      resolve(new WebSocketTransport(ws, { secure: url.startsWith('wss:'), remoteAddress: url, clock: opts.clock, highWaterMark: opts.highWaterMark }));
    };
  });
}

/**
 * Connector for a WebSocket client: every URI is reached through one
 * WebSocket server (RFC 7977 §5.1: "all MSRP-over-WebSocket messages MUST be
 * routed via an MSRP WebSocket Server"), so the URL is fixed and the
 * endpoint keeps one connection for all sessions.
 */
export class WebSocketConnector implements MsrpConnector {
  readonly shared = true;

  constructor(
    readonly url: string,
    readonly opts: WebSocketConnectOptions = {},
  ) {}

  connect(_uri: MsrpUri): Promise<MsrpTransport> {
    return connectWebSocket(this.url, this.opts);
  }
}
