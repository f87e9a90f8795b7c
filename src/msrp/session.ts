// An MSRP session (RFC 4975 §5, §7): our URI, the peer's path, what we
// accept, sending messages in chunks and receiving them back together,
// transaction responses and REPORTs. It is bound to one connection by the
// endpoint (endpoint.ts), which routes requests to it.
import { cpimContentType, parseCpim, CpimParseError } from '../formats/cpim.js';
import { utf8Encode } from '../formats/bytes.js';
import { formatByteRange, type ByteRange } from './byte-range.js';
import { DEFAULT_CHUNK_SIZE } from './chunker.js';
import { type Clock, type RandomSource, randomIdent } from './clock.js';
import type { MsrpConnection } from './connection.js';
import {
  formatStatus,
  getByteRange,
  getContentType,
  getFailureReport,
  getMessageId,
  getStatus,
  getSuccessReport,
  type FailureReport,
} from './header-values.js';
import { MsrpHeaders, type MsrpRequest } from './message.js';
import { MsrpParseError } from './msrp-parse-error.js';
import { OutgoingMessage, type MessageOutcome, type OutgoingMessageObserver } from './outgoing-message.js';
import { MessageReassembly, wholeMessage } from './reassembly.js';
import { msrpStatusPhrase } from './status-codes.js';
import { formatMsrpPath, formatMsrpUri, type MsrpUri } from './uri.js';

export interface ReceivedMessage {
  readonly messageId: string;
  readonly contentType: string;
  readonly body: Uint8Array;
  /** Header fields of the chunk that completed the message. */
  readonly headers: MsrpHeaders;
}

export interface ReceivedReport {
  readonly messageId: string;
  readonly status: number;
  readonly comment: string | undefined;
  readonly byteRange: ByteRange | undefined;
}

export type SessionCloseReason = 'closed' | 'connection-lost' | 'rejected';

export interface MsrpSessionDelegate {
  onMessage?(session: MsrpSession, message: ReceivedMessage): void;
  /** Every REPORT for a message we sent, success or failure. */
  onReport?(session: MsrpSession, report: ReceivedReport): void;
  onClose?(session: MsrpSession, reason: SessionCloseReason): void;
  /** A message whose `done` resolved as delivered (Failure-Report partial) got an error response later. */
  onSendFailure?(session: MsrpSession, message: OutgoingMessage, outcome: MessageOutcome): void;
}

export interface MsrpSessionOptions {
  /** Our URI: the last entry of our a=path and our From-Path. */
  localUri: MsrpUri;
  /** The peer's a=path; settable later with setRemotePath() (we are the offerer). */
  remotePath?: readonly MsrpUri[];
  /** Our relays' Use-Path (RFC 4976 §5.1), put before the peer's path in To-Path. */
  usePath?: readonly MsrpUri[];
  /** a=accept-types; "*" and "type/*" wildcards allowed (RFC 4975 §8.6). Default ["*"]. */
  acceptTypes?: readonly string[];
  /** a=accept-wrapped-types: types accepted only inside a container listed in acceptTypes. */
  acceptWrappedTypes?: readonly string[];
  /** a=max-size: the largest message we receive; larger ones get 413. */
  maxSize?: number;
  /** Outgoing chunk size; default 2048 (RFC 4975 §7.1.1). */
  chunkSize?: number;
  clock: Clock;
  random: RandomSource;
  delegate?: MsrpSessionDelegate;
  /** Lifecycle hook for the owner (the endpoint), called after close(). */
  onClosed?: (session: MsrpSession) => void;
}

export interface SendOptions {
  contentType?: string;
  successReport?: boolean;
  failureReport?: FailureReport;
  /** Reuse a Message-ID when resending after a failure (RFC 4975 §5.4). */
  messageId?: string;
  mimeHeaders?: ReadonlyArray<readonly [string, string]>;
  chunkSize?: number;
}

/** How many finished Message-IDs we remember to recognise duplicates (RFC 4975 §5.4). */
const RECENT_LIMIT = 1024;
/** How many settled messages we keep for correlating late failure REPORTs. */
const OUTGOING_LIMIT = 1024;
/** How many messages may be half-received at once. */
const INCOMPLETE_LIMIT = 256;

export class MsrpSession {
  readonly localUri: MsrpUri;
  readonly sessionId: string;
  delegate: MsrpSessionDelegate;
  readonly #opts: MsrpSessionOptions;
  readonly #localUriText: string;
  #remotePath: readonly MsrpUri[] | undefined;
  #toPathText = '';
  #connection: MsrpConnection | undefined;
  #closed = false;
  /** Messages sent and waiting for an outcome, by Message-ID, to correlate REPORTs. */
  readonly #outgoing = new Map<string, OutgoingMessage>();
  /** Sent, `done` resolved without an end-to-end REPORT; bounded, oldest first. */
  readonly #settled = new Map<string, OutgoingMessage>();
  /** Sent before a connection was bound. */
  readonly #queued: OutgoingMessage[] = [];
  readonly #incoming = new Map<string, MessageReassembly>();
  /** Recently finished Message-IDs: 'done' (delivered) or a failure status. */
  readonly #recent = new Map<string, number>();

  constructor(opts: MsrpSessionOptions) {
    if (opts.localUri.sessionId === undefined) throw new Error('session URI needs a session-id');
    this.#opts = opts;
    this.localUri = opts.localUri;
    this.sessionId = opts.localUri.sessionId;
    this.#localUriText = formatMsrpUri(opts.localUri);
    this.delegate = opts.delegate ?? {};
    if (opts.remotePath) this.setRemotePath(opts.remotePath);
  }

  get remotePath(): readonly MsrpUri[] | undefined {
    return this.#remotePath;
  }

  /** The full To-Path for our requests: our relays, then the peer's path. */
  get toPath(): readonly MsrpUri[] {
    return [...(this.#opts.usePath ?? []), ...(this.#remotePath ?? [])];
  }

  get connection(): MsrpConnection | undefined {
    return this.#connection;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sets the peer's a=path from its SDP (RFC 4975 §8.2: "The target path is the entire path attribute value"). */
  setRemotePath(path: readonly MsrpUri[]): void {
    if (path.length === 0) throw new Error('empty path');
    this.#remotePath = path;
    this.#toPathText = formatMsrpPath(this.toPath);
  }

  /** Called by the endpoint once a connection carries this session. */
  bind(conn: MsrpConnection): void {
    this.#connection = conn;
    for (const m of this.#queued.splice(0)) conn.addSource(m);
  }

  /** One observer for all our messages, rather than closures per message. */
  readonly #observer: OutgoingMessageObserver = {
    settled: (msg, o) => {
      this.#outgoing.delete(msg.messageId);
      // A failure REPORT may still come after `done` (relays answer hop by
      // hop, RFC 4975 §7.1.4): keep the message correlatable for a while.
      if (o.ok && o.cause !== 'report') {
        this.#settled.set(msg.messageId, msg);
        if (this.#settled.size > OUTGOING_LIMIT) this.#settled.delete(this.#settled.keys().next().value!);
      }
    },
    lateFailure: (msg, o) => this.delegate.onSendFailure?.(this, msg, o),
  };

  /** Sends a message; it is chunked and interleaved with others on the connection. */
  send(content: Uint8Array | string, opts: SendOptions = {}): OutgoingMessage {
    if (this.#closed) throw new Error('session closed');
    if (!this.#remotePath) throw new Error('remote path unknown: call setRemotePath() first');
    const body = typeof content === 'string' ? utf8Encode(content) : content;
    const msg = new OutgoingMessage({
      messageId: opts.messageId ?? randomIdent(this.#opts.random, 16),
      contentType: opts.contentType ?? 'text/plain',
      body,
      successReport: opts.successReport ?? false,
      failureReport: opts.failureReport ?? 'yes',
      chunkSize: opts.chunkSize ?? this.#opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
      mimeHeaders: opts.mimeHeaders,
      toPath: this.#toPathText,
      fromPath: this.#localUriText,
      observer: this.#observer,
    });
    this.#outgoing.set(msg.messageId, msg);
    if (this.#connection) this.#connection.addSource(msg);
    else this.#queued.push(msg);
    return msg;
  }

  /**
   * A bodiless SEND (RFC 4975 §5.4: the active endpoint "MUST immediately
   * issue a SEND request"; also a keep-alive, RFC 7977 §6). Resolves with the
   * transaction status.
   */
  sendBodiless(): Promise<number> {
    const conn = this.#connection;
    if (!conn || !this.#remotePath) return Promise.resolve(408);
    return new Promise((resolve) => {
      const h = new MsrpHeaders();
      h.append('To-Path', this.#toPathText);
      h.append('From-Path', this.#localUriText);
      h.append('Message-ID', randomIdent(this.#opts.random, 16));
      h.append('Byte-Range', '1-0/0');
      const tid = conn.newTransactionId();
      conn.sendRequest({ kind: 'request', transactionId: tid, method: 'SEND', headers: h, body: undefined, flag: '$' }, (r) =>
        resolve(r.status),
      );
    });
  }

  /** Ends the session; messages without an outcome fail with "session-closed". */
  close(reason: SessionCloseReason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    const cause = reason === 'connection-lost' ? 'connection-lost' : 'session-closed';
    for (const m of [...this.#outgoing.values(), ...this.#queued]) m.fail(cause, reason);
    this.#outgoing.clear();
    this.#queued.length = 0;
    this.#incoming.clear();
    this.delegate.onClose?.(this, reason);
    this.#opts.onClosed?.(this);
  }

  /** A request routed here by the endpoint (To-Path already matched). */
  handleRequest(conn: MsrpConnection, req: MsrpRequest): void {
    if (req.method === 'SEND') this.#onSend(conn, req);
    else if (req.method === 'REPORT') this.#onReport(req);
    // RFC 4975 §10.9: a method we do not implement gets 501.
    else respond(conn, req, 'yes', 501, this.#localUriText);
  }

  #onSend(conn: MsrpConnection, req: MsrpRequest): void {
    const h = req.headers;
    let fr: FailureReport = 'yes';
    let sr = false;
    let messageId: string | undefined;
    let range: ByteRange | undefined;
    try {
      fr = getFailureReport(h);
      sr = getSuccessReport(h);
      messageId = getMessageId(h);
      range = getByteRange(h);
    } catch (e) {
      if (!(e instanceof MsrpParseError)) throw e;
      respond(conn, req, fr, 400, this.#localUriText, e.reason);
      return;
    }
    if (req.body === undefined) {
      // Bodiless SEND: binds the connection or keeps it alive; nothing to deliver.
      respond(conn, req, fr, 200, this.#localUriText);
      return;
    }
    const contentType = getContentType(h);
    if (messageId === undefined || contentType === undefined) {
      respond(conn, req, fr, 400, this.#localUriText, messageId === undefined ? 'missing Message-ID' : 'missing Content-Type');
      return;
    }
    const earlier = this.#recent.get(messageId);
    if (earlier !== undefined) {
      // RFC 4975 §5.4: duplicates are still acknowledged per the report headers, not delivered twice.
      respond(conn, req, fr, earlier, this.#localUriText);
      if (earlier === 200 && sr && req.flag === '$') this.#sendReport(req, messageId, rangeOf(range, req.body.length), 200);
      return;
    }
    // RFC 4975 §7.3.1: "If the SEND request contained a Content-Type header
    // field indicating an unsupported media-type, and the Failure-Report value
    // is not "no", the receiver MUST generate a response with a status code of 415."
    if (!this.#accepts(contentType)) {
      this.#remember(messageId, 415);
      respond(conn, req, fr, 415, this.#localUriText);
      return;
    }
    let r = this.#incoming.get(messageId);
    if (!r && this.#incoming.size >= INCOMPLETE_LIMIT) {
      respond(conn, req, fr, 413, this.#localUriText, 'too many incomplete messages');
      return;
    }
    let state;
    let body: Uint8Array | undefined;
    try {
      if (!r && req.flag === '$' && (range === undefined || range.start === 1)) {
        // A whole message in one chunk, as most are: no reassembly state.
        body = wholeMessage(req.body, this.#opts.maxSize);
        state = 'complete';
      } else {
        if (!r) {
          r = new MessageReassembly(messageId, this.#opts.maxSize);
          this.#incoming.set(messageId, r);
        }
        state = r.add(range, req.body, req.flag);
      }
    } catch (e) {
      if (!(e instanceof MsrpParseError)) throw e;
      // RFC 4975 §10.5: 413 asks the sender to stop this message; later chunks get 413 again.
      this.#incoming.delete(messageId);
      this.#remember(messageId, e.status);
      respond(conn, req, fr, e.status, this.#localUriText, e.reason);
      return;
    }
    if (state === 'aborted') {
      this.#incoming.delete(messageId);
      respond(conn, req, fr, 200, this.#localUriText);
      return;
    }
    if (state === 'incomplete') {
      respond(conn, req, fr, 200, this.#localUriText);
      return;
    }
    if (r) {
      this.#incoming.delete(messageId);
      body = r.body;
    }
    body ??= new Uint8Array(0);
    const wrapped = this.#wrappedTypeProblem(contentType, body);
    respond(conn, req, fr, 200, this.#localUriText);
    if (wrapped !== undefined) {
      // RFC 4975 §7.1.4: the chunks were already answered, so the failure goes in a REPORT.
      this.#remember(messageId, 415);
      if (fr !== 'no') this.#sendReport(req, messageId, { start: 1, end: body.length, total: body.length }, 415, wrapped);
      return;
    }
    this.#remember(messageId, 200);
    // RFC 4975 §7.1.3: with Success-Report yes the receiver "MUST send a
    // success report or reports covering all bytes that are received".
    if (sr) this.#sendReport(req, messageId, { start: 1, end: body.length, total: body.length }, 200);
    this.delegate.onMessage?.(this, { messageId, contentType, body, headers: h });
  }

  /** The last Content-Type checked against a=accept-types: a session's chunks mostly share one. */
  #acceptedType: string | undefined;

  #accepts(contentType: string): boolean {
    if (contentType === this.#acceptedType) return true;
    if (!mediaTypeListed(contentType, this.#opts.acceptTypes ?? ['*'])) return false;
    this.#acceptedType = contentType;
    return true;
  }

  /** RFC 4975 §8.6: types in accept-wrapped-types are allowed only inside a listed container. */
  #wrappedTypeProblem(contentType: string, body: Uint8Array): string | undefined {
    const wrapped = this.#opts.acceptWrappedTypes;
    if (!wrapped || baseType(contentType) !== 'message/cpim') return undefined;
    let inner: string | undefined;
    try {
      inner = cpimContentType(parseCpim(body));
    } catch (e) {
      if (e instanceof CpimParseError) return `bad message/cpim: ${e.reason}`;
      throw e;
    }
    if (inner === undefined) return 'message/cpim without Content-Type';
    const allowed = [...(this.#opts.acceptTypes ?? ['*']), ...wrapped];
    return mediaTypeListed(inner, allowed) ? undefined : `wrapped type ${baseType(inner)} not accepted`;
  }

  #remember(messageId: string, status: number): void {
    this.#recent.set(messageId, status);
    if (this.#recent.size > RECENT_LIMIT) this.#recent.delete(this.#recent.keys().next().value!);
  }

  #sendReport(req: MsrpRequest, messageId: string, range: ByteRange, status: number, comment?: string): void {
    const conn = this.#connection;
    if (!conn) return;
    // RFC 4975 §7.1.3: "the endpoint inserts a To-Path header field
    // containing the From-Path value from the original request".
    const h = new MsrpHeaders();
    h.append('To-Path', req.headers.get('From-Path')!.trim());
    h.append('From-Path', this.#localUriText);
    h.append('Message-ID', messageId);
    h.append('Byte-Range', formatByteRange(range));
    h.append('Status', formatStatus(status, comment ?? msrpStatusPhrase(status)));
    conn.sendRequest({ kind: 'request', transactionId: conn.newTransactionId(), method: 'REPORT', headers: h, body: undefined, flag: '$' });
  }

  #onReport(req: MsrpRequest): void {
    // RFC 4975 §7.1.2: "MSRP nodes MUST NOT send MSRP responses to REPORT requests."
    let messageId: string | undefined;
    let status;
    let range: ByteRange | undefined;
    try {
      messageId = getMessageId(req.headers);
      status = getStatus(req.headers);
      range = getByteRange(req.headers);
    } catch (e) {
      if (e instanceof MsrpParseError) return;
      throw e;
    }
    if (!messageId || !status) return;
    const out = this.#outgoing.get(messageId) ?? this.#settled.get(messageId);
    // "If an MSRP element receives a REPORT for a Message-ID it does not recognize, it SHOULD silently ignore the REPORT."
    if (!out) return;
    out.onReport(status, range);
    this.delegate.onReport?.(this, { messageId, status: status.code, comment: status.comment, byteRange: range });
  }
}

function rangeOf(range: ByteRange | undefined, length: number): ByteRange {
  const start = range?.start ?? 1;
  const total = range?.total ?? '*';
  return { start, end: start + length - 1, total: total === '*' ? start + length - 1 : total };
}

/** Sends the transaction response a SEND asks for (RFC 4975 §7.2). */
export function respond(conn: MsrpConnection, req: MsrpRequest, fr: FailureReport, status: number, fromPath: string, comment?: string): void {
  // RFC 4975 §7.1.4: with "no" no response at all; with "partial" no 200.
  if (fr === 'no' || (fr === 'partial' && status === 200)) return;
  const from = req.headers.get('From-Path')?.trim();
  if (from === undefined) return;
  // RFC 4975 §7.2: for SEND "the To-Path header field is formed by copying
  // the first (leftmost) URI in the From-Path"; for others the whole path.
  const to = req.method === 'SEND' ? firstUri(from) : from;
  const h = new MsrpHeaders(['To-Path', 'From-Path'], [to, fromPath]);
  conn.sendResponse({ kind: 'response', transactionId: req.transactionId, status, comment: comment ?? msrpStatusPhrase(status), headers: h, flag: '$' });
}

/** The first URI of a path value (already trimmed). */
export function firstUri(path: string): string {
  // Most paths seen here hold one URI: no split needed.
  if (path.indexOf(' ') < 0 && path.indexOf('\t') < 0) return path;
  return path.split(/[ \t]+/)[0]!;
}

function baseType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

/** RFC 4975 §8.6: "*" accepts anything, "type/*" any subtype. */
export function mediaTypeListed(contentType: string, list: readonly string[]): boolean {
  const t = baseType(contentType);
  const major = t.split('/')[0];
  for (const entry of list) {
    const e = entry.trim().toLowerCase();
    if (e === '*' || e === t || (e.endsWith('/*') && e.slice(0, -2) === major)) return true;
  }
  return false;
}

export type { MessageOutcome };
