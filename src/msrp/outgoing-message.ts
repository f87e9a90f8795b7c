// One message being sent: cut into chunks on demand (so several messages
// interleave on a connection), with the outcome decided by transaction
// responses, REPORTs, the transaction timer or a lost connection according
// to Success-Report / Failure-Report (RFC 4975 §5.3, §7.1.1, §7.3.2).
import { formatByteRange, type ByteRange } from './byte-range.js';
import { chunkByteRange, nextChunk } from './chunker.js';
import type { ChunkSource, MsrpConnection, TransactionResult } from './connection.js';
import type { FailureReport, MsrpStatus } from './header-values.js';
import { hasDashRun } from './byte-scan.js';
import { IntervalSet } from './interval-set.js';
import { MsrpHeaders, type MsrpRequest } from './message.js';

export type OutcomeCause =
  | 'delivered'
  | 'response'
  | 'report'
  | 'timeout'
  | 'connection-lost'
  | 'aborted'
  | 'session-closed';

export interface MessageOutcome {
  readonly ok: boolean;
  /** 200 on success; the failing MSRP status otherwise (408 for timeouts and lost connections). */
  readonly status: number;
  readonly comment?: string;
  readonly cause: OutcomeCause;
}

export interface OutgoingMessageInit {
  messageId: string;
  contentType: string;
  body: Uint8Array;
  successReport: boolean;
  failureReport: FailureReport;
  chunkSize: number;
  /** Extra MIME headers, written before Content-Type (RFC 4975 §7.1: Content-Type last). */
  mimeHeaders?: ReadonlyArray<readonly [string, string]>;
  /** The To-Path and From-Path header values, already formatted. */
  toPath: string;
  fromPath: string;
  /** Told of the outcome as it is settled, and of a failure after a success (one object for many messages). */
  observer?: OutgoingMessageObserver;
}

export interface OutgoingMessageObserver {
  settled(message: OutgoingMessage, outcome: MessageOutcome): void;
  lateFailure(message: OutgoingMessage, outcome: MessageOutcome): void;
}

export class OutgoingMessage implements ChunkSource {
  readonly messageId: string;
  readonly contentType: string;
  readonly body: Uint8Array;
  readonly successReport: boolean;
  readonly failureReport: FailureReport;
  readonly done: Promise<MessageOutcome>;
  readonly #init: OutgoingMessageInit;
  #resolve!: (o: MessageOutcome) => void;
  #offset = 0;
  #allWritten = false;
  #outstanding = 0;
  #abortRequested = false;
  #finished: MessageOutcome | undefined;
  readonly #reported = new IntervalSet();
  #acknowledged = 0;
  /** Header fields of every chunk, built once; only Byte-Range changes per chunk. */
  readonly #names: string[];
  readonly #values: string[];
  readonly #byteRangeAt: number;
  /** The body has no "-------": transaction ids need not be checked against it. */
  readonly #dashFree: boolean;

  constructor(init: OutgoingMessageInit) {
    this.#init = init;
    this.messageId = init.messageId;
    this.contentType = init.contentType;
    this.body = init.body;
    this.successReport = init.successReport;
    this.failureReport = init.failureReport;
    this.done = new Promise((r) => (this.#resolve = r));
    const names = ['To-Path', 'From-Path', 'Message-ID', 'Byte-Range'];
    const values = [init.toPath, init.fromPath, init.messageId, ''];
    // RFC 4975 §7.1.1: "All chunks of the same message MUST use the same
    // Failure-Report and Success-Report values"; defaults are left implicit.
    if (init.successReport) names.push('Success-Report'), values.push('yes');
    if (init.failureReport !== 'yes') names.push('Failure-Report'), values.push(init.failureReport);
    for (const [n, v] of init.mimeHeaders ?? []) names.push(n), values.push(v);
    names.push('Content-Type'), values.push(init.contentType);
    this.#names = names;
    this.#values = values;
    this.#byteRangeAt = 3;
    this.#dashFree = !hasDashRun(init.body);
  }

  get total(): number {
    return this.body.length;
  }

  /** Octets handed to the transport so far. */
  get bytesSent(): number {
    return this.#offset;
  }

  /** Octets confirmed by 200 responses (Failure-Report yes) or success REPORTs. */
  get bytesAcknowledged(): number {
    return Math.max(this.#acknowledged, this.#reported.size);
  }

  get outcome(): MessageOutcome | undefined {
    return this.#finished;
  }

  /**
   * Stops sending. The next chunk, if any chunk was already sent, is an
   * empty one ending in "#" (RFC 4975 §7.1: "If the sender is aborting an
   * incomplete message ... the flag MUST be a "#"").
   */
  abort(): void {
    if (this.#finished) return;
    if (this.#offset === 0 || this.#allWritten) {
      this.#finish({ ok: false, status: 0, comment: 'aborted', cause: 'aborted' });
      return;
    }
    this.#abortRequested = true;
  }

  nextChunk(conn: MsrpConnection): MsrpRequest | undefined {
    if (this.#finished || this.#allWritten) return undefined;
    const total = this.body.length;
    if (this.#abortRequested) {
      this.#allWritten = true;
      const range: ByteRange = { start: this.#offset + 1, end: '*', total };
      const req = this.#request(conn.newTransactionId(), range, new Uint8Array(0), '#');
      this.#finish({ ok: false, status: 0, comment: 'aborted', cause: 'aborted' });
      return req;
    }
    const plan = nextChunk(this.#offset, total, this.#init.chunkSize);
    const data = this.body.subarray(plan.offset, plan.offset + plan.length);
    const tid = conn.newTransactionId(this.#dashFree ? undefined : data);
    const req = this.#request(tid, chunkByteRange(plan.offset, plan.length, total), data, plan.last ? '$' : '+');
    this.#offset += plan.length;
    if (plan.last) this.#allWritten = true;
    if (this.failureReport === 'yes') {
      this.#outstanding++;
      const end = plan.offset + plan.length;
      conn.track(tid, (r) => this.#onTransaction(r, end));
    } else if (this.failureReport === 'partial') {
      // RFC 4975 §7.1.1: with "partial" no timer runs, but an error response still fails the message.
      conn.track(tid, (r) => {
        if (r.cause === 'response' && r.status !== 200) this.#finish({ ok: false, status: r.status, comment: r.comment, cause: 'response' });
      });
    }
    if (this.#allWritten) queueMicrotask(() => this.#maybeDone());
    return req;
  }

  #request(tid: string, range: ByteRange, data: Uint8Array, flag: '$' | '+' | '#'): MsrpRequest {
    const values = this.#values.slice();
    values[this.#byteRangeAt] = formatByteRange(range);
    const h = new MsrpHeaders(this.#names.slice(), values);
    return { kind: 'request', transactionId: tid, method: 'SEND', headers: h, body: data, flag };
  }

  #onTransaction(r: TransactionResult, end: number): void {
    this.#outstanding--;
    if (r.status !== 200) {
      // RFC 4975 §10.5: after a 413 "it MUST NOT send any further chunks in the message";
      // any other failure fails the message too (§7.3.2).
      this.#finish({ ok: false, status: r.status, comment: r.comment, cause: r.cause });
      return;
    }
    this.#acknowledged = Math.max(this.#acknowledged, end);
    this.#maybeDone();
  }

  /** RFC 4975 §7.3.2: a REPORT is read like a transaction response with its status code. */
  onReport(status: MsrpStatus, range: ByteRange | undefined): void {
    if (this.#finished && (!this.#finished.ok || this.#finished.cause === 'report')) return;
    if (status.namespace !== '000') return;
    if (status.code !== 200) {
      // "it MUST treat the session as failed" is the session's business; the message has failed.
      this.#finish({ ok: false, status: status.code, comment: status.comment, cause: 'report' });
      return;
    }
    if (this.total === 0) this.#emptyReported = true;
    const start = (range?.start ?? 1) - 1;
    const end = range && range.end !== '*' ? range.end : this.total;
    this.#reported.add(start, end);
    this.#maybeDone();
  }

  /** The connection or session went away before the outcome was known. */
  fail(cause: 'connection-lost' | 'session-closed' | 'timeout', comment: string): void {
    this.#finish({ ok: false, status: 408, comment, cause });
  }

  #maybeDone(): void {
    if (this.#finished || !this.#allWritten) return;
    if (this.successReport) {
      if (this.total === 0 ? this.#emptyReported : this.#reported.coversAll(this.total)) {
        this.#finish({ ok: true, status: 200, cause: 'report' });
      }
      return;
    }
    if (this.failureReport === 'yes') {
      if (this.#outstanding === 0) this.#finish({ ok: true, status: 200, cause: 'response' });
      return;
    }
    this.#finish({ ok: true, status: 200, cause: 'delivered' });
  }

  /** A success REPORT for a zero-length message covers no bytes; remember that it came. */
  #emptyReported = false;

  /**
   * Called when a failure arrives after `done` already resolved without an
   * end-to-end success REPORT: with Failure-Report "partial" nothing positive
   * ever comes back, and a relay answers 200 hop by hop before it knows the
   * outcome (RFC 4975 §7.1.4), so the failure can only be reported late.
   */
  onLateFailure: ((o: MessageOutcome) => void) | undefined;

  #finish(o: MessageOutcome): void {
    if (this.#finished?.ok && !o.ok && this.#finished.cause !== 'report') {
      this.#finished = o;
      this.#init.observer?.lateFailure(this, o);
      this.onLateFailure?.(o);
      return;
    }
    if (this.#finished) return;
    this.#finished = o;
    this.#resolve(o);
    this.#init.observer?.settled(this, o);
  }
}
