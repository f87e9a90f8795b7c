// Incremental MSRP framer and parser (RFC 4975 §9). MSRP has no
// Content-Length: a request ends at "CRLF -------<transact-id><flag> CRLF",
// so framing never trusts Byte-Range (which the RFC's own examples get
// wrong). Bytes in, MsrpMessage out; no I/O, nothing but MsrpParseError
// thrown. Bodies are views into the received bytes, not copies.
import { ByteText } from './byte-scan.js';
import { MsrpHeaders, type ContinuationFlag, type MsrpMessage } from './message.js';
import { MsrpParseError } from './msrp-parse-error.js';

export interface MsrpParserOptions {
  /** Largest start line plus header section. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** Largest chunk body; beyond it the stream fails with status 413. Default 64 MiB. */
  maxBodyBytes?: number;
}

const CR = 13;
const LF = 10;
const DASH = 45;
const SP = 32;

const enum Phase {
  StartLine,
  Headers,
  Body,
}

// RFC 4975 §9: transact-id = ident = ALPHANUM 3*31ident-char
const TRANSACT_ID = /^[A-Za-z0-9][A-Za-z0-9.\-+%=]{3,31}$/;
const METHOD = /^[A-Z]+$/;
const HNAME = /^[A-Za-z][!#$%&'*+.^_`|~0-9A-Za-z-]*$/;

function isFlag(b: number | undefined): b is 36 | 43 | 35 {
  return b === 36 || b === 43 || b === 35; // $ + #
}

/**
 * Stream framer: push() received bytes, complete messages go to `onMessage`
 * in order. After an MsrpParseError the stream cannot be resynchronised
 * (there is no length to skip by), so the connection must be closed.
 */
export class MsrpStreamParser {
  readonly #onMessage: (m: MsrpMessage) => void;
  readonly #maxHeader: number;
  readonly #maxBody: number;

  #buf: Uint8Array = EMPTY;
  /** Decoding view of #buf, made when #buf changes. */
  #text: ByteText = EMPTY_TEXT;
  #start = 0;
  #end = 0;
  /** True when #buf is ours and bytes after #end may be written. */
  #owned = false;
  #failed: MsrpParseError | undefined;

  // Per-frame state; offsets are relative to #start (the frame start).
  #phase = Phase.StartLine;
  #lineStart = 0;
  #tid = '';
  #method: string | undefined;
  #status = 0;
  #comment: string | undefined;
  #headers = new MsrpHeaders();
  #bodyStart = 0;
  #scanFrom = 0;

  constructor(onMessage: (m: MsrpMessage) => void, opts: MsrpParserOptions = {}) {
    this.#onMessage = onMessage;
    this.#maxHeader = opts.maxHeaderBytes ?? 65536;
    this.#maxBody = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  }

  /** Bytes received but not yet part of a complete message. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  push(data: Uint8Array): void {
    if (this.#failed) throw this.#failed;
    if (data.length === 0) return;
    this.#append(data);
    try {
      this.#parse();
    } catch (e) {
      // Only our own errors poison the stream; a throwing onMessage is the caller's bug.
      if (e instanceof MsrpParseError) this.#failed = e;
      throw e;
    }
  }

  /** Throws if the stream ended inside a message. */
  end(): void {
    if (this.#end > this.#start) throw new MsrpParseError('stream ended inside a message');
  }

  #append(data: Uint8Array): void {
    const have = this.#end - this.#start;
    if (have === 0) {
      // Nothing pending: parse straight from the caller's bytes (no copy).
      this.#setBuf(data);
      this.#start = 0;
      this.#end = data.length;
      this.#owned = false;
      return;
    }
    if (this.#owned && this.#end + data.length <= this.#buf.length) {
      // Writing after #end never touches bytes already handed out as bodies.
      this.#buf.set(data, this.#end);
      this.#end += data.length;
      return;
    }
    const need = have + data.length;
    const next = new Uint8Array(Math.max(need * 2, 16384));
    next.set(this.#buf.subarray(this.#start, this.#end), 0);
    next.set(data, have);
    this.#setBuf(next);
    this.#start = 0;
    this.#end = need;
    this.#owned = true;
  }

  #parse(): void {
    for (;;) {
      const buf = this.#buf;
      const base = this.#start;
      const avail = this.#end - base;
      if (avail === 0) return;
      if (this.#phase !== Phase.Body) {
        const lf = buf.indexOf(LF, base + this.#lineStart);
        if (lf < 0 || lf >= this.#end) {
          if (avail > this.#maxHeader) throw new MsrpParseError('header section too large', 413);
          if (this.#phase === Phase.StartLine && avail >= 5) this.#checkPrefix(buf, base);
          return;
        }
        if (lf - base > this.#maxHeader) throw new MsrpParseError('header section too large', 413);
        if (lf === base + this.#lineStart || buf[lf - 1] !== CR) throw new MsrpParseError('line not ended by CRLF');
        const ls = base + this.#lineStart;
        const le = lf - 1; // index of CR
        this.#lineStart = lf + 1 - base;
        if (this.#phase === Phase.StartLine) this.#startLine(buf, ls, le);
        else if (this.#headerLine(buf, ls, le)) this.#finish(base, undefined);
        continue;
      }
      // Body: look for CRLF "-------" (the same for every transaction, so no
      // per-id needle is built), then the transaction id, a flag and CRLF.
      const i = this.#text.find(END_LINE_START, base + this.#scanFrom, this.#end);
      if (i < 0) {
        const bodyLen = avail - this.#bodyStart;
        if (bodyLen > this.#maxBody + END_LINE_START.length + this.#tid.length + 3) throw new MsrpParseError('chunk body too large', 413);
        this.#scanFrom = Math.max(this.#bodyStart, avail - END_LINE_START.length + 1);
        return;
      }
      const tid = this.#tid;
      const t = i + END_LINE_START.length;
      const f = t + tid.length;
      if (f + 3 > this.#end) {
        this.#scanFrom = i - base;
        return;
      }
      if (sameAscii(buf, t, tid) && isFlag(buf[f]) && buf[f + 1] === CR && buf[f + 2] === LF) {
        const body = buf.subarray(base + this.#bodyStart, i);
        this.#lineStart = f + 3 - base;
        this.#finish(base, body, String.fromCharCode(buf[f]!) as ContinuationFlag);
        continue;
      }
      // Dashes followed by anything but our transaction id and a flag are data, not an end-line.
      this.#scanFrom = i + 1 - base;
    }
  }

  #setBuf(b: Uint8Array): void {
    this.#buf = b;
    this.#text = b.length === 0 ? EMPTY_TEXT : new ByteText(b);
  }

  /** Fails fast on a stream that is not MSRP at all instead of buffering 64 KiB of it. */
  #checkPrefix(buf: Uint8Array, base: number): void {
    if (buf[base] !== 77 || buf[base + 1] !== 83 || buf[base + 2] !== 82 || buf[base + 3] !== 80 || buf[base + 4] !== SP) {
      throw new MsrpParseError('message does not start with "MSRP "');
    }
  }

  #startLine(buf: Uint8Array, ls: number, le: number): void {
    // RFC 4975 §9: req-start = pMSRP SP transact-id SP method CRLF
    //              resp-start = pMSRP SP transact-id SP status-code [SP comment] CRLF
    this.#checkPrefix(buf, ls);
    const sp2 = buf.indexOf(SP, ls + 5);
    if (sp2 < 0 || sp2 >= le) throw new MsrpParseError('bad start line');
    const tid = this.#text.latin1(ls + 5, sp2);
    if (!TRANSACT_ID.test(tid)) throw new MsrpParseError(`bad transaction id: ${tid}`);
    this.#tid = tid;
    const rest = sp2 + 1;
    if (le - rest >= 3 && buf[rest]! >= 48 && buf[rest]! <= 57) {
      const code = this.#text.latin1(rest, rest + 3);
      if (!STATUS_CODE.test(code)) throw new MsrpParseError(`bad status code: ${code}`);
      if (le > rest + 3 && buf[rest + 3] !== SP) throw new MsrpParseError('bad status line');
      this.#method = undefined;
      this.#status = Number(code);
      this.#comment = le > rest + 4 ? this.#text.utf8(rest + 4, le) : undefined;
    } else {
      const method = knownMethod(buf, rest, le) ?? this.#text.latin1(rest, le);
      if (!METHOD.test(method)) throw new MsrpParseError(`bad method: ${method}`);
      this.#method = method;
    }
    this.#phase = Phase.Headers;
  }

  /** Returns true when the line was the end-line of a bodiless message. */
  #headerLine(buf: Uint8Array, ls: number, le: number): boolean {
    if (le === ls) {
      // Empty line: the body follows (RFC 4975 §9 content-stuff).
      if (this.#method === undefined) throw new MsrpParseError('a response carries no body');
      this.#phase = Phase.Body;
      this.#bodyStart = le + 2 - this.#start;
      this.#scanFrom = this.#bodyStart;
      return false;
    }
    if (buf[ls] === DASH) {
      // RFC 4975 §7.1: "A request without a body MUST contain an end-line
      // after the final header field." (A header name starts with ALPHA.)
      // Compared as bytes: nothing here needs decoding.
      const tid = this.#tid;
      const ok = le - ls === 8 + tid.length && sameAscii(buf, ls, '-------') && sameAscii(buf, ls + 7, tid) && isFlag(buf[le - 1]);
      if (!ok) {
        throw new MsrpParseError('bad end-line');
      }
      this.#flag = String.fromCharCode(buf[le - 1]!) as ContinuationFlag;
      return true;
    }
    const colon = buf.indexOf(58, ls);
    if (colon < 0 || colon >= le) throw new MsrpParseError('header line without ":"');
    let name = knownHeaderName(buf, ls, colon);
    if (name === undefined) {
      name = this.#text.latin1(ls, colon);
      if (!HNAME.test(name)) throw new MsrpParseError(`bad header name: ${name}`);
    }
    // hval follows ":" SP; the one SP is syntax, anything after it is kept.
    const vs = buf[colon + 1] === SP ? colon + 2 : colon + 1;
    this.#headers.append(name, this.#text.utf8(vs, le));
    return false;
  }

  #flag: ContinuationFlag = '$';

  #finish(base: number, body: Uint8Array | undefined, flag: ContinuationFlag = this.#flag): void {
    const headers = this.#headers;
    const msg: MsrpMessage =
      this.#method !== undefined
        ? { kind: 'request', transactionId: this.#tid, method: this.#method, headers, body, flag }
        : { kind: 'response', transactionId: this.#tid, status: this.#status, comment: this.#comment, headers, flag };
    this.#start = base + this.#lineStart;
    if (this.#start === this.#end) {
      // Drop the buffer rather than reuse it: bodies handed out still view it.
      this.#setBuf(EMPTY);
      this.#start = this.#end = 0;
      this.#owned = false;
    }
    this.#phase = Phase.StartLine;
    this.#lineStart = 0;
    this.#headers = new MsrpHeaders();
    this.#flag = '$';
    this.#onMessage(msg);
  }
}

const EMPTY = new Uint8Array(0);
const EMPTY_TEXT = new ByteText(EMPTY);
const STATUS_CODE = /^[0-9]{3}$/;
/** CRLF and the seven dashes that start every end-line (RFC 4975 §9: end-line = "-------" transact-id continuation-flag CRLF). */
const END_LINE_START = new Uint8Array([CR, LF, DASH, DASH, DASH, DASH, DASH, DASH, DASH]);

function sameAscii(buf: Uint8Array, at: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (buf[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** Names that fill nearly every message, matched as bytes so they need no decoding or check. */
const KNOWN_HEADERS = [
  'To-Path',
  'From-Path',
  'Message-ID',
  'Byte-Range',
  'Content-Type',
  'Success-Report',
  'Failure-Report',
  'Status',
  'Use-Path',
  'Expires',
];
const KNOWN_METHODS = ['SEND', 'REPORT', 'AUTH'];

function known(list: readonly string[], buf: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  for (const s of list) if (s.length === n && sameAscii(buf, start, s)) return s;
  return undefined;
}

function knownHeaderName(buf: Uint8Array, start: number, end: number): string | undefined {
  return known(KNOWN_HEADERS, buf, start, end);
}

function knownMethod(buf: Uint8Array, start: number, end: number): string | undefined {
  return known(KNOWN_METHODS, buf, start, end);
}

/** Parses exactly one complete message; trailing or missing bytes are errors. */
export function parseMsrpMessage(bytes: Uint8Array, opts?: MsrpParserOptions): MsrpMessage {
  const out: MsrpMessage[] = [];
  const p = new MsrpStreamParser((m) => out.push(m), opts);
  p.push(bytes);
  if (out.length !== 1 || p.buffered !== 0) {
    throw new MsrpParseError(out.length === 0 ? 'incomplete MSRP message' : 'bytes after the MSRP message');
  }
  return out[0]!;
}
