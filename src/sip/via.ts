import { HOST_CHARS, inTable, isDigits, isTokenChar, isWhite, skipWhite } from './chars.js';
import { Params, parseParamList } from './params.js';
import { SipParseError } from './parse-error.js';
import { isIPv6Reference } from './uri.js';

/** RFC 3261 §17.2.3: branches that start with this cookie are RFC 3261 transaction ids. */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * One Via value, RFC 3261 §20.42, with the received/rport parameters of
 * RFC 3261 §18.2.1 and RFC 3581.
 */
export interface Via {
  readonly protocol: string; // "SIP/2.0"
  /** Transport token, upper-cased (UDP, TCP, TLS, SCTP, WS, WSS or an extension). */
  readonly transport: string;
  readonly host: string;
  readonly port: number | null;
  readonly params: Params;
}

/** Reads a token at s[i]; returns its end (== i when there is none). */
function tokenEnd(s: string, i: number, end: number): number {
  while (i < end && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

function upperTransport(t: string): string {
  switch (t) {
    case 'UDP':
    case 'TCP':
    case 'TLS':
    case 'WS':
    case 'WSS':
    case 'SCTP':
      return t;
    default:
      return t.toUpperCase();
  }
}

/**
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport,
 * where SLASH = SWS "/" SWS (RFC 4475 wsinv folds inside it).
 */
export function parseVia(value: string): Via {
  let end = value.length;
  while (end > 0 && isWhite(value.charCodeAt(end - 1))) end--;
  let i = skipWhite(value, 0, end);
  const n0 = i;
  i = tokenEnd(value, i, end);
  const n1 = i;
  i = skipWhite(value, i, end);
  if (n1 === n0 || value.charCodeAt(i) !== 47) throw new SipParseError('bad Via sent-protocol');
  i = skipWhite(value, i + 1, end);
  const v0 = i;
  i = tokenEnd(value, i, end);
  const v1 = i;
  i = skipWhite(value, i, end);
  if (v1 === v0 || value.charCodeAt(i) !== 47) throw new SipParseError('bad Via sent-protocol');
  i = skipWhite(value, i + 1, end);
  const t0 = i;
  i = tokenEnd(value, i, end);
  const t1 = i;
  if (t1 === t0) throw new SipParseError('bad Via sent-protocol');
  const h0 = skipWhite(value, i, end);
  if (h0 === i) throw new SipParseError('bad Via sent-protocol');
  let protocol: string;
  if (n1 - n0 === 3 && v1 - v0 === 3 && value.startsWith('SIP', n0) && value.startsWith('2.0', v0)) protocol = 'SIP/2.0';
  else protocol = `${value.slice(n0, n1)}/${value.slice(v0, v1)}`.toUpperCase();
  const transport = upperTransport(value.slice(t0, t1));

  // sent-by = host [ COLON port ]
  let h1: number;
  if (value.charCodeAt(h0) === 91) {
    h1 = value.indexOf(']', h0) + 1;
    if (h1 === 0 || !isIPv6Reference(value, h0, h1)) throw new SipParseError('bad Via host');
  } else {
    h1 = h0;
    while (h1 < end && inTable(HOST_CHARS, value.charCodeAt(h1))) h1++;
    const first = value.charCodeAt(h0);
    if (h1 === h0 || first === 45 || first === 46 || value.charCodeAt(h1 - 1) === 45) {
      throw new SipParseError(`bad Via host "${value.slice(h0, Math.min(end, h0 + 40))}"`);
    }
  }
  const host = value.slice(h0, h1);
  let port: number | null = null;
  i = skipWhite(value, h1, end);
  if (i < end && value.charCodeAt(i) === 58) {
    i = skipWhite(value, i + 1, end);
    const p0 = i;
    while (i < end && value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57) i++;
    if (i === p0 || i - p0 > 5) throw new SipParseError('bad Via port');
    port = Number(value.slice(p0, i));
    if (port > 65535) throw new SipParseError('bad Via port');
    i = skipWhite(value, i, end);
  }
  if (i < end && value.charCodeAt(i) !== 59) throw new SipParseError(`bad Via sent-by "${value.slice(h0, Math.min(end, h0 + 40))}"`);
  const params = i === end ? new Params() : new Params(parseParamList(value, i, end, false));
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !isDigits(ttl) || ttl.length > 3 || Number(ttl) > 255)) {
    throw new SipParseError('bad Via ttl');
  }
  // RFC 3581 §3: response-port = "rport" [EQUAL 1*DIGIT]
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && (!isDigits(rport) || rport.length > 5 || Number(rport) > 65535)) {
    throw new SipParseError('bad Via rport');
  }
  return { protocol, transport, host, port, params };
}

export function formatVia(v: Via): string {
  return `${v.protocol}/${v.transport} ${v.host}${v.port === null ? '' : ':' + v.port}${v.params.toString()}`;
}

export function viaBranch(v: Via): string | undefined {
  const b = v.params.get('branch');
  return b === null ? undefined : b;
}

/** The received parameter (RFC 3261 §18.2.1), or undefined. */
export function viaReceived(v: Via): string | undefined {
  const r = v.params.get('received');
  return r === null ? undefined : r;
}

/**
 * The rport parameter (RFC 3581 §4): undefined when absent, null when the
 * client asked for it without a value, else the port the server filled in.
 */
export function viaRport(v: Via): number | null | undefined {
  const r = v.params.get('rport');
  return r === undefined || r === null ? r : Number(r);
}
