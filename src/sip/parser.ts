import { indexOfDoubleCrlf, utf8Decode } from '../formats/bytes.js';
import { isDigits, isToken, isWhite } from './chars.js';
import type { HeaderField } from './header-field.js';
import { headerIdentity } from './header-names.js';
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
  let end = indexOfDoubleCrlf(bytes, start);
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

  let lineEnd = text.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = text.length;
  const startLine = text.slice(0, lineEnd);
  let headers: HeaderField[];
  try {
    headers = splitHeaders(text, lineEnd === text.length ? text.length : lineEnd + 2);
  } catch (e) {
    if (e instanceof SipParseError) tryAttachStartLineError(startLine, e);
    throw e;
  }

  let msg: SipMessage;
  try {
    msg = parseStartLine(startLine, headers);
  } catch (e) {
    if (e instanceof SipParseError) e.headers = headers;
    throw e;
  }

  const available = bytes.length - bodyStart;
  const cl = contentLength(headers);
  if (cl === undefined) {
    // No Content-Length: on a datagram the body is the rest (RFC 3261 §18.3).
    msg.body = bytes.subarray(bodyStart);
  } else {
    if (cl > available) {
      const err = new SipParseError(`Content-Length ${cl} is larger than the ${available} octets received`, 400, headers);
      throw err;
    }
    // RFC 3261 §18.3: octets past Content-Length in a datagram are discarded.
    msg.body = bytes.subarray(bodyStart, bodyStart + cl);
  }
  return msg;
}

function tryAttachStartLineError(_startLine: string, _e: SipParseError): void {
  // Header splitting failed: nothing reliable to answer with.
}

/** Splits header lines, joining folded continuation lines (RFC 3261 §7.3.1). */
function splitHeaders(text: string, from: number): HeaderField[] {
  const out: HeaderField[] = [];
  let i = from;
  const n = text.length;
  while (i < n) {
    let e = text.indexOf('\r\n', i);
    if (e === -1) e = n;
    // A line starting with SP/HT continues the previous header.
    while (e < n && isWhite(text.charCodeAt(e + 2))) {
      const next = text.indexOf('\r\n', e + 2);
      e = next === -1 ? n : next;
    }
    const raw = text.slice(i, e);
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new SipParseError(`header line without a name: "${truncate(raw)}"`);
    let nameEnd = colon;
    while (nameEnd > 0 && isWhite(raw.charCodeAt(nameEnd - 1))) nameEnd--;
    const wireName = raw.slice(0, nameEnd);
    if (!isToken(wireName)) throw new SipParseError(`bad header name "${truncate(wireName)}"`);
    let value = raw.slice(colon + 1);
    if (value.indexOf('\r\n') !== -1) value = value.replace(/\r\n[ \t]+/g, ' ');
    value = value.trim();
    const id = headerIdentity(wireName);
    out.push({ name: id.name, key: id.key, value, raw });
    i = e + 2;
  }
  return out;
}

function parseStartLine(line: string, headers: HeaderField[]): SipMessage {
  if (line.length === 0) throw new SipParseError('empty start line');
  if (line.startsWith('SIP/') || line.startsWith('sip/')) return parseStatusLine(line, headers);
  // Request-Line = Method SP Request-URI SP SIP-Version (exactly one SP each: RFC 4475 lwsstart, trws).
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 === -1 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || line.indexOf(' ', sp2 + 1) !== -1) {
    throw new SipParseError('malformed Request-Line');
  }
  const method = line.slice(0, sp1);
  const uri = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method)) throw new SipParseError('bad method');
  if (uri.length === 0 || line.indexOf('\t') !== -1) throw new SipParseError('malformed Request-Line');
  checkVersion(version);
  return new SipRequest(method, uri, headers);
}

function checkVersion(version: string): void {
  if (version === 'SIP/2.0') return;
  const m = /^SIP\/(\d+)\.(\d+)$/i.exec(version);
  if (!m) throw new SipParseError('bad SIP-Version');
  if (Number(m[1]) !== 2 || Number(m[2]) !== 0) throw new SipParseError('Version Not Supported', 505);
}

function parseStatusLine(line: string, headers: HeaderField[]): SipResponse {
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
  const sp1 = line.indexOf(' ');
  if (sp1 === -1) throw new SipParseError('malformed Status-Line');
  checkVersion(line.slice(0, sp1));
  const sp2 = line.indexOf(' ', sp1 + 1);
  const code = sp2 === -1 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
  if (code.length !== 3 || !isDigits(code)) throw new SipParseError(`bad status code "${truncate(code)}"`);
  const status = Number(code);
  if (status < 100) throw new SipParseError(`bad status code ${status}`);
  return new SipResponse(status, sp2 === -1 ? '' : line.slice(sp2 + 1), headers);
}

/** Content-Length from the header lines; several differing values are an error (RFC 4475 mcl01). */
export function contentLength(headers: readonly HeaderField[]): number | undefined {
  let found: number | undefined;
  for (const h of headers) {
    if (h.key !== 'content-length') continue;
    const v = h.value;
    if (!isDigits(v) || v.length > 10) throw new SipParseError(`bad Content-Length "${truncate(v)}"`, 400, headers);
    const n = Number(v);
    if (found !== undefined && found !== n) throw new SipParseError('conflicting Content-Length values', 400, headers);
    found = n;
  }
  return found;
}

function truncate(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '...' : s;
}
