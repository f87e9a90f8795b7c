import { indexOfDoubleCrlf, latin1Decode } from '../formats/bytes.js';

export interface StreamFramerOptions {
  /** Largest start line + header block accepted, CRLFCRLF included (default 32 KiB). */
  readonly maxHeaderBytes?: number;
  /** Largest Content-Length accepted (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

export const DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** What the framer found in the bytes pushed so far, in stream order. */
export type StreamEvent =
  /** One complete message, start line to the end of its body (a copy). */
  | { readonly type: 'message'; readonly bytes: Uint8Array }
  /** RFC 5626 §3.5.1: a double-CRLF between messages; answer with one CRLF. */
  | { readonly type: 'ping' }
  | StreamFramingError;

/**
 * A message the framer refuses. `head` is the start of the message as far as
 * it was read (the whole header block for 400 and 413, at most
 * `maxHeaderBytes` for 513), so the transport can answer it when Via, From,
 * To, Call-ID and CSeq can be recovered. `fatal`: the stream cannot be
 * framed any further and the connection must be closed.
 */
export interface StreamFramingError {
  readonly type: 'error';
  readonly status: number;
  readonly reason: string;
  readonly head: Uint8Array;
  readonly fatal: boolean;
}

const enum State {
  /** Between messages: skipping CRLF keep-alives. */
  Gap,
  /** Reading a start line and headers up to CRLFCRLF. */
  Head,
  /** Waiting for `bodyLength` octets after the header block. */
  Body,
  /** Dropping the body of a refused (413) message without buffering it. */
  Skip,
  /** Framing lost: every further octet is ignored. */
  Failed,
}

/**
 * Cuts a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3). Pure and
 * byte-based: the body is never decoded, so binary bodies (RFC 4475 mpart01)
 * frame exactly, and a boundary may fall anywhere in the chunks.
 */
export class StreamFramer {
  private readonly maxHeader: number;
  private readonly maxBody: number;
  private buf = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  private state = State.Gap;
  /** CRLFs seen in the current gap between messages. */
  private crlfs = 0;
  /** Where the CRLFCRLF search resumes in the Head state. */
  private scan = 0;
  /** Message length (head + body) in the Body state; octets left in the Skip state. */
  private need = 0;

  constructor(opts: StreamFramerOptions = {}) {
    this.maxHeader = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** True once a fatal error was reported: the connection must be closed. */
  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Octets held waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Feeds the next chunk; returns every event it completes. */
  push(chunk: Uint8Array): StreamEvent[] {
    const out: StreamEvent[] = [];
    let data = chunk;
    if (this.state === State.Failed) return out;
    if (this.state === State.Skip) {
      const n = Math.min(this.need, data.length);
      this.need -= n;
      data = data.subarray(n);
      if (this.need > 0) return out;
      this.state = State.Gap;
    }
    this.append(data);
    this.run(out);
    return out;
  }

  private append(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.end + data.length > this.buf.length) {
      const held = this.end - this.start;
      if (held + data.length <= this.buf.length) this.buf.copyWithin(0, this.start, this.end);
      else {
        let cap = Math.max(this.buf.length, 4096);
        while (cap < held + data.length) cap *= 2;
        const next = new Uint8Array(cap);
        next.set(this.buf.subarray(this.start, this.end), 0);
        this.buf = next;
      }
      this.scan = Math.max(0, this.scan - this.start);
      this.start = 0;
      this.end = held;
    }
    this.buf.set(data, this.end);
    this.end += data.length;
  }

  private run(out: StreamEvent[]): void {
    for (;;) {
      switch (this.state) {
        case State.Gap:
          if (!this.skipGap(out)) return;
          break;
        case State.Head:
          if (!this.readHead(out)) return;
          break;
        case State.Body:
          if (this.end - this.start < this.need) return;
          out.push({ type: 'message', bytes: this.buf.slice(this.start, this.start + this.need) });
          this.start += this.need;
          this.state = State.Gap;
          this.crlfs = 0;
          this.compactIfEmpty();
          break;
        case State.Skip: {
          const n = Math.min(this.need, this.end - this.start);
          this.need -= n;
          this.start += n;
          if (this.need > 0) return;
          this.state = State.Gap;
          this.crlfs = 0;
          break;
        }
        case State.Failed:
          return;
      }
    }
  }

  /** Consumes CRLFs between messages; false when it needs more octets. */
  private skipGap(out: StreamEvent[]): boolean {
    const b = this.buf;
    while (this.start < this.end) {
      if (b[this.start] !== 13) {
        this.enterHead();
        return true;
      }
      if (this.start + 1 >= this.end) return false;
      if (b[this.start + 1] !== 10) {
        this.enterHead();
        return true;
      }
      this.start += 2;
      // RFC 5626 §3.5.1: "When a server receives a double-CRLF sequence
      // between SIP messages on a connection-oriented transport, it MUST
      // immediately respond with a single CRLF over the same connection."
      if (++this.crlfs === 2) {
        this.crlfs = 0;
        out.push({ type: 'ping' });
      }
    }
    this.compactIfEmpty();
    return false;
  }

  private enterHead(): void {
    this.state = State.Head;
    this.crlfs = 0;
    this.scan = this.start;
  }

  private compactIfEmpty(): void {
    if (this.start !== this.end) return;
    this.start = this.end = this.scan = 0;
    // Give back the room a large message needed.
    if (this.buf.length > 64 * 1024) this.buf = new Uint8Array(4096);
  }

  /** Finds the end of the header block and the body length; false when it needs more octets. */
  private readHead(out: StreamEvent[]): boolean {
    const view = this.buf.subarray(0, this.end);
    const at = indexOfDoubleCrlf(view, Math.max(this.start, this.scan));
    if (at === -1) {
      this.scan = Math.max(this.start, this.end - 3);
      if (this.end - this.start > this.maxHeader) {
        this.fail(out, 513, 'Message Too Large: header block exceeds the limit', this.maxHeader);
        return false;
      }
      return false;
    }
    const headLength = at + 4 - this.start;
    if (headLength > this.maxHeader) {
      this.fail(out, 513, 'Message Too Large: header block exceeds the limit', this.maxHeader);
      return false;
    }
    const head = this.buf.subarray(this.start, this.start + headLength);
    const cl = declaredLength(head);
    if (typeof cl === 'string') {
      // RFC 3261 §18.3: "In the case of stream-oriented transports such as
      // TCP, the Content-Length header field indicates the size of the body.
      // The Content-Length header field MUST be used with stream oriented
      // transports." Without a usable one the framing is lost (RFC 4475 ncl, mcl01).
      this.fail(out, 400, cl, headLength);
      return false;
    }
    if (cl > this.maxBody) {
      // RFC 3261 §21.4.14 413 Request Entity Too Large: refused before its
      // body is read; the body is skipped so the connection stays usable.
      out.push({
        type: 'error',
        status: 413,
        reason: `Request Entity Too Large: body of ${cl} octets exceeds the limit of ${this.maxBody}`,
        head: head.slice(),
        fatal: false,
      });
      this.start += headLength;
      this.need = cl;
      this.state = State.Skip;
      return true;
    }
    this.need = headLength + cl;
    this.state = State.Body;
    return true;
  }

  private fail(out: StreamEvent[], status: number, reason: string, headLength: number): void {
    const head = this.buf.slice(this.start, Math.min(this.end, this.start + headLength));
    out.push({ type: 'error', status, reason, head, fatal: true });
    this.state = State.Failed;
    this.buf = new Uint8Array(0);
    this.start = this.end = this.scan = 0;
  }
}

/**
 * The Content-Length of a header block (start line included), or the reason
 * it has none usable. Works on the octets as Latin-1 so no multi-byte
 * sequence can shift a position; only the header names and digits matter.
 */
export function declaredLength(head: Uint8Array): number | string {
  const text = latin1Decode(head);
  let found: number | undefined;
  let lineStart = text.indexOf('\r\n');
  if (lineStart === -1) return 'missing Content-Length on a stream transport';
  lineStart += 2;
  while (lineStart < text.length) {
    let e = text.indexOf('\r\n', lineStart);
    if (e === -1) e = text.length;
    // A folded line (starting with SP/HT) continues the previous header.
    while (e + 2 < text.length && (text.charCodeAt(e + 2) === 32 || text.charCodeAt(e + 2) === 9)) {
      const next = text.indexOf('\r\n', e + 2);
      e = next === -1 ? text.length : next;
    }
    const line = text.slice(lineStart, e);
    lineStart = e + 2;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trimEnd().toLowerCase();
    if (name !== 'content-length' && name !== 'l') continue;
    const value = line.slice(colon + 1).replace(/\r\n[ \t]+/g, ' ').trim();
    if (!/^[0-9]{1,10}$/.test(value)) return `bad Content-Length "${value.length > 20 ? value.slice(0, 20) + '...' : value}"`;
    const n = Number(value);
    if (found !== undefined && found !== n) return 'conflicting Content-Length values';
    found = n;
  }
  return found ?? 'missing Content-Length on a stream transport';
}
