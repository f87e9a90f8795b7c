import { utf8Decode } from '../formats/bytes.js';
import { isDigits, isToken, isTokenChar } from './chars.js';
import type { HeaderField } from './header-field.js';
import { headerIdentity, knownHeaderAt } from './header-names.js';
import { SipRequest, SipResponse, type SipMessage } from './message.js';
import { SipParseError } from './parse-error.js';

export interface ParseOptions {
  /**
   * The bytes are one UDP datagram: without Content-Length the body is the
   * rest of the datagram (RFC 3261 §18.3), and octets past Content-Length
   * are discarded. On streams the framer has already cut the message.
   */
  readonly datagram?: boolean;
}

const EMPTY_BODY = new Uint8Array(0);

/**
 * Parses one complete SIP message (RFC 3261 §7). Header values stay text
 * until read; only the start line, the header split and Content-Length are
 * checked here. `validateRequest`/`validateResponse` check the rest a
 * transaction layer needs.
 */
export function parseMessage(bytes: Uint8Array, opts: ParseOptions = {}): SipMessage {
  // RFC 3261 §7.5: implementations SHOULD ignore CRLFs before the start line.
  let start = 0;
  while (start + 1 < bytes.length && bytes[start] === 13 && bytes[start + 1] === 10) start += 2;
  let end = findHeaderEnd(bytes, start);
  let bodyStart = end + 4;
  if (end === -1) {
    // A datagram that ends its last header line but omits the empty line
    // (RFC 4475's own baddn.dat does) is read as headers without a body, so
    // the answer names the real defect rather than the missing line.
    const n = bytes.length;
    if (!opts.datagram || n < 2 || bytes[n - 2] !== 13 || bytes[n - 1] !== 10) {
      throw new SipParseError('no empty line after the headers');
    }
    end = n - 2;
    bodyStart = n;
  }
  const text = utf8Decode(bytes, start, end);

  let lineEnd = lineBreakAt(text, 0);
  if (lineEnd === -1) lineEnd = text.length;
  const startLine = text.slice(0, lineEnd);
  const headers: HeaderField[] = [];
  const cl = splitHeaders(text, lineEnd === text.length ? text.length : lineEnd + 2, headers);

  let msg: SipMessage;
  try {
    msg = parseStartLine(startLine, headers);
  } catch (e) {
    if (e instanceof SipParseError) e.headers = headers;
    throw e;
  }

  const available = bytes.length - bodyStart;
  if (cl === -1) {
    // No Content-Length: on a datagram the body is the rest (RFC 3261 §18.3).
    msg.body = available === 0 ? EMPTY_BODY : bytes.subarray(bodyStart);
  } else {
    if (cl > available) {
      throw new SipParseError(`Content-Length ${cl} is larger than the ${available} octets received`, 400, headers);
    }
    // RFC 3261 §18.3: octets past Content-Length in a datagram are discarded.
    msg.body = cl === 0 ? EMPTY_BODY : bytes.subarray(bodyStart, bodyStart + cl);
  }
  return msg;
}

/**
 * Position of the CRLFCRLF ending the header section, or -1. Looks at every
 * fourth octet first: only a CR or LF there can belong to the sequence.
 */
function findHeaderEnd(b: Uint8Array, from: number): number {
  const n = b.length - 3;
  let i = from;
  while (i < n) {
    const c = b[i + 3];
    if (c === 10) {
      if (b[i + 2] === 13 && b[i + 1] === 10 && b[i] === 13) return i;
      i += 1;
    } else if (c === 13) i += 1;
    else i += 4;
  }
  return -1;
}

/**
 * Index of the CRLF ending the line that starts at `from`, or -1 at the end.
 * A CR or LF that is not part of a CRLF is refused: header lines end with
 * CRLF only (RFC 3261 §7.3), and a bare LF passed on by a proxy could split
 * a header for a more lenient parser downstream.
 */
function lineBreakAt(text: string, from: number): number {
  const lf = text.indexOf('\n', from);
  const cr = text.indexOf('\r', from);
  if (lf === -1) {
    if (cr !== -1) throw new SipParseError('bare CR in the header section');
    return -1;
  }
  if (cr !== lf - 1) throw new SipParseError(cr === -1 || cr > lf ? 'bare LF in the header section' : 'bare CR in the header section');
  return cr;
}

/**
 * Splits header lines into `out`, joining folded continuation lines
 * (RFC 3261 §7.3.1), and returns the Content-Length (-1 when absent).
 */
function splitHeaders(text: string, from: number, out: HeaderField[]): number {
  let i = from;
  const n = text.length;
  let contentLength = -1;
  while (i < n) {
    let e = lineBreakAt(text, i);
    if (e === -1) e = n;
    // A line starting with SP/HT continues the previous header.
    let folded = false;
    while (e < n) {
      const c = text.charCodeAt(e + 2);
      if (c !== 32 && c !== 9) break;
      folded = true;
      const next = lineBreakAt(text, e + 2);
      e = next === -1 ? n : next;
    }
    // field-name = token, then HCOLON = *( SP / HTAB ) ":" SWS
    const known = knownHeaderAt(text, i);
    let nameEnd: number;
    if (known !== undefined) nameEnd = i + known.length;
    else {
      nameEnd = i;
      while (nameEnd < e && isTokenChar(text.charCodeAt(nameEnd))) nameEnd++;
    }
    let p = nameEnd;
    while (p < e && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    if (p === e || text.charCodeAt(p) !== 58) {
      const colon = text.indexOf(':', i);
      if (colon === -1 || colon >= e || colon === i) {
        throw new SipParseError(`header line without a name: "${truncate(text.slice(i, e))}"`, 400, out);
      }
      throw new SipParseError(`bad header name "${truncate(text.slice(i, colon).trim())}"`, 400, out);
    }
    if (nameEnd === i) throw new SipParseError(`header line without a name: "${truncate(text.slice(i, e))}"`, 400, out);
    let vs = p + 1;
    let ve = e;
    while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9 || text.charCodeAt(vs) === 13 || text.charCodeAt(vs) === 10)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    let value = text.slice(vs, ve);
    if (folded) value = value.replace(/[ \t]*\r\n[ \t]+/g, ' ');
    const id = known ?? headerIdentity(text.slice(i, nameEnd));
    out.push({ name: id.name, key: id.key, value, raw: text.slice(i, e) });
    if (id.key === 'content-length') contentLength = checkContentLength(value, contentLength, out);
    i = e + 2;
  }
  return contentLength;
}

/** Content-Length = 1*DIGIT; several differing values are an error (RFC 4475 mcl01). */
function checkContentLength(v: string, previous: number, headers: HeaderField[]): number {
  if (!isDigits(v) || v.length > 10) throw new SipParseError(`bad Content-Length "${truncate(v)}"`, 400, headers);
  const n = Number(v);
  if (previous !== -1 && previous !== n) throw new SipParseError('conflicting Content-Length values', 400, headers);
  return n;
}

function parseStartLine(line: string, headers: HeaderField[]): SipMessage {
  if (line.length === 0) throw new SipParseError('empty start line');
  const c0 = line.charCodeAt(0);
  if ((c0 === 83 || c0 === 115) && /^sip\//i.test(line.slice(0, 4))) return parseStatusLine(line, headers);
  // Request-Line = Method SP Request-URI SP SIP-Version (exactly one SP each: RFC 4475 lwsstart, trws).
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 === -1 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || line.indexOf(' ', sp2 + 1) !== -1) {
    throw new SipParseError('malformed Request-Line');
  }
  const method = line.slice(0, sp1);
  if (!isToken(method)) throw new SipParseError('bad method');
  if (sp2 === sp1 + 1 || line.indexOf('\t') !== -1) throw new SipParseError('malformed Request-Line');
  checkVersion(line, sp2 + 1);
  return new SipRequest(method, line.slice(sp1 + 1, sp2), headers);
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive (RFC 3261 §7.1); only 2.0 is spoken. */
function checkVersion(line: string, from: number, to = line.length): void {
  if (to - from === 7 && line.startsWith('SIP/2.0', from)) return;
  const m = /^SIP\/(\d+)\.(\d+)$/i.exec(line.slice(from, to));
  if (!m) throw new SipParseError('bad SIP-Version');
  if (Number(m[1]) !== 2 || Number(m[2]) !== 0) throw new SipParseError('Version Not Supported', 505);
}

function parseStatusLine(line: string, headers: HeaderField[]): SipResponse {
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
  const sp1 = line.indexOf(' ');
  if (sp1 === -1) throw new SipParseError('malformed Status-Line');
  checkVersion(line, 0, sp1);
  const sp2 = line.indexOf(' ', sp1 + 1);
  const code = sp2 === -1 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
  if (code.length !== 3 || !isDigits(code)) throw new SipParseError(`bad status code "${truncate(code)}"`);
  const status = Number(code);
  // RFC 3261 §7.2: the first digit is the class, 1xx to 6xx (RFC 4475 bigcode).
  if (status < 100 || status > 699) throw new SipParseError(`bad status code ${status}`);
  return new SipResponse(status, sp2 === -1 ? '' : line.slice(sp2 + 1), headers);
}

/** Content-Length from the header lines; several differing values are an error (RFC 4475 mcl01). */
export function contentLength(headers: readonly HeaderField[]): number | undefined {
  let found = -1;
  for (const h of headers) {
    if (h.key === 'content-length') found = checkContentLength(h.value, found, headers as HeaderField[]);
  }
  return found === -1 ? undefined : found;
}

function truncate(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '...' : s;
}
