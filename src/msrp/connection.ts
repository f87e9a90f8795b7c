// One MSRP connection: framing on a transport, transaction ids, the 30 s
// transaction timer, and fair interleaving of the chunks of several
// messages (RFC 4975 §7.1.1). It knows nothing about sessions; whoever owns
// it (an endpoint or a relay) gets incoming requests through the delegate.
import { type Clock, type RandomSource, randomIdent } from './clock.js';
import type { MsrpMessage, MsrpRequest, MsrpResponse } from './message.js';
import { MsrpParseError } from './msrp-parse-error.js';
import { MsrpStreamParser, type MsrpParserOptions } from './parser.js';
import { serializeMsrpParts } from './serializer.js';
import { MSRP_TRANSACTION_TIMEOUT_MS } from './status-codes.js';
import type { MsrpTransport } from './transport/transport.js';
import { findBytes, hasDashRun } from './byte-scan.js';

export interface TransactionResult {
  readonly status: number;
  readonly comment: string | undefined;
  /** The response, absent when the result is a local timeout or a lost connection. */
  readonly response?: MsrpResponse;
  readonly cause: 'response' | 'timeout' | 'connection-lost';
}

export interface MsrpConnectionDelegate {
  onRequest(conn: MsrpConnection, request: MsrpRequest): void;
  /** A frame that could not be parsed; the connection closes right after. */
  onParseError?(conn: MsrpConnection, error: MsrpParseError): void;
  onClose(conn: MsrpConnection, error?: Error): void;
}

/** Something with chunks to send; the connection asks for one at a time when the transport has room. */
export interface ChunkSource {
  /** The next request to write, or undefined when this source is done. */
  nextChunk(conn: MsrpConnection): MsrpRequest | undefined;
}

export interface MsrpConnectionOptions {
  transport: MsrpTransport;
  delegate: MsrpConnectionDelegate;
  clock: Clock;
  random: RandomSource;
  /** RFC 4975 §7.1.1: 30 s. */
  transactionTimeoutMs?: number;
  parser?: MsrpParserOptions;
}

interface Pending {
  readonly deadline: number;
  readonly onResult: (r: TransactionResult) => void;
}

export class MsrpConnection {
  readonly transport: MsrpTransport;
  readonly #delegate: MsrpConnectionDelegate;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #timeout: number;
  readonly #parser: MsrpStreamParser;
  /** In insertion order, which is deadline order since every timeout is the same. */
  readonly #pending = new Map<string, Pending>();
  #timer: unknown;
  #timerAt = Infinity;
  readonly #sources: ChunkSource[] = [];
  #next = 0;
  #writable = true;
  #pumping = false;
  #pumpQueued = false;
  #closed = false;
  /** Last time anything was received or sent; for idle and keep-alive policies. */
  lastActivity: number;

  constructor(opts: MsrpConnectionOptions) {
    this.transport = opts.transport;
    this.#delegate = opts.delegate;
    this.#clock = opts.clock;
    this.#random = opts.random;
    this.#timeout = opts.transactionTimeoutMs ?? MSRP_TRANSACTION_TIMEOUT_MS;
    this.lastActivity = this.#clock.now();
    this.#parser = new MsrpStreamParser((m) => this.#onMessage(m), opts.parser);
    this.transport.setHandler({
      onData: (d) => this.#onData(d),
      onDrain: () => {
        this.#writable = true;
        this.#pump();
      },
      onClose: (e) => this.#onClosed(e),
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pendingTransactions(): number {
    return this.#pending.size;
  }

  /**
   * A fresh transaction id. With a body, RFC 4975 §7.1: "the sender MUST
   * ensure that the end-line ... is not present in the body"; pick another
   * id until it is not.
   */
  newTransactionId(body?: Uint8Array): string {
    // Most bodies hold no run of seven dashes, and then no id can clash.
    const check = body !== undefined && body.length >= 19 && hasDashRun(body);
    for (;;) {
      const tid = randomIdent(this.#random, 12);
      if (this.#pending.has(tid)) continue;
      if (check && findBytes(body, asciiBytes('-------' + tid), 0, body.length) >= 0) continue;
      return tid;
    }
  }

  /**
   * Writes a request now (ahead of queued chunks). With `onResult`, a
   * transaction is kept until its response, the timeout, or connection loss.
   */
  sendRequest(request: MsrpRequest, onResult?: (r: TransactionResult) => void): void {
    if (onResult) this.#track(request.transactionId, onResult);
    this.#write(request);
  }

  sendResponse(response: MsrpResponse): void {
    this.#write(response);
  }

  /** Queues a source of chunks; sources take turns, one chunk each (RFC 4975 §7.1.1 fairness). */
  addSource(source: ChunkSource): void {
    this.#sources.push(source);
    // Start on a microtask so messages queued in the same turn interleave from their first chunk.
    if (!this.#pumpQueued) {
      this.#pumpQueued = true;
      queueMicrotask(() => {
        this.#pumpQueued = false;
        this.#pump();
      });
    }
  }

  /** Starts the transaction timer of a request written by a ChunkSource. */
  track(transactionId: string, onResult: (r: TransactionResult) => void): void {
    this.#track(transactionId, onResult);
  }

  close(): void {
    if (this.#closed) return;
    this.transport.close();
    this.#onClosed();
  }

  #track(tid: string, onResult: (r: TransactionResult) => void): void {
    if (this.#closed) {
      onResult({ status: 408, comment: 'connection lost', cause: 'connection-lost' });
      return;
    }
    // RFC 4975 §7.1.1: the timer runs "from the time the last byte of the
    // transaction is sent, or submitted to the operating system for sending".
    const deadline = this.#clock.now() + this.#timeout;
    this.#pending.set(tid, { deadline, onResult });
    if (deadline < this.#timerAt) this.#arm(deadline);
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(Math.max(0, at - this.#clock.now()), () => this.#expire());
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    for (const [tid, p] of this.#pending) {
      if (p.deadline > now) {
        this.#arm(p.deadline);
        return;
      }
      this.#pending.delete(tid);
      p.onResult({ status: 408, comment: 'transaction timed out', cause: 'timeout' });
    }
  }

  #write(m: MsrpMessage): void {
    if (this.#closed) return;
    this.lastActivity = this.#clock.now();
    if (!this.transport.write(serializeMsrpParts(m))) this.#writable = false;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      const sources = this.#sources;
      // Finished sources are dropped by compacting the array as the turn
      // passes over it (`keep` trails `#next`), not by a splice each: with
      // thousands of one-chunk messages queued, splicing is quadratic.
      let keep = this.#next;
      while (this.#writable && !this.#closed && sources.length > 0) {
        if (this.#next >= sources.length) {
          sources.length = keep;
          this.#next = keep = 0;
          continue;
        }
        const src = sources[this.#next]!;
        const chunk = src.nextChunk(this);
        this.#next++;
        if (!chunk) continue;
        sources[keep++] = src;
        this.#write(chunk);
      }
      if (this.#closed) return;
      // Stopped mid-turn (transport full): close the gap so the untouched
      // sources follow the kept ones, and resume at the first untouched one.
      if (keep < this.#next) {
        sources.copyWithin(keep, this.#next);
        sources.length -= this.#next - keep;
        this.#next = keep;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #onData(d: Uint8Array): void {
    if (this.#closed) return;
    this.lastActivity = this.#clock.now();
    try {
      this.#parser.push(d);
    } catch (e) {
      if (!(e instanceof MsrpParseError)) throw e;
      // No length field to skip by: an unframeable stream cannot continue.
      this.#delegate.onParseError?.(this, e);
      this.close();
    }
  }

  #onMessage(m: MsrpMessage): void {
    if (m.kind === 'response') {
      const p = this.#pending.get(m.transactionId);
      // A response to no pending transaction (late, after a timeout) is ignored.
      if (!p) return;
      this.#pending.delete(m.transactionId);
      p.onResult({ status: m.status, comment: m.comment, response: m, cause: 'response' });
      return;
    }
    this.#delegate.onRequest(this, m);
  }

  #onClosed(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#sources.length = 0;
    for (const p of pending) p.onResult({ status: 408, comment: 'connection lost', cause: 'connection-lost' });
    this.#delegate.onClose(this, error);
  }
}

function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
