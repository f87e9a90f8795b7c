import {
  HOST_CHARS,
  inTable,
  IPV6_CHARS,
  isDigits,
  isEscapedRun,
  isHexDigit,
  PASSWORD_CHARS,
  URI_HEADER_CHARS,
  USER_CHARS,
} from './chars.js';
import { equalsIgnoreCase, Params, parseParamList } from './params.js';
import { SipParseError } from './parse-error.js';

/** SIP or SIPS URI, RFC 3261 §19.1. `user` and `password` are kept escaped, as written. */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  readonly user: string | null;
  readonly password: string | null;
  /** Host as written: a hostname, an IPv4 address or an IPv6 reference "[...]". */
  readonly host: string;
  readonly port: number | null;
  readonly params: Params;
  /** Escaped header fields after '?' (RFC 3261 §19.1.1), names and values as written. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** tel URI, RFC 3966: the number (global "+..." or local) and its parameters. */
export interface TelUri {
  readonly scheme: 'tel';
  readonly number: string;
  readonly params: Params;
}

/** im: (RFC 3860) and pres: (RFC 3859) URIs: user@host with optional headers. */
export interface ImUri {
  readonly scheme: 'im' | 'pres';
  readonly user: string;
  readonly host: string;
  readonly query: string | null;
}

/** Any other absolute URI (RFC 3986): kept opaque; a SIP element answers 416 for it as a Request-URI. */
export interface AbsoluteUri {
  readonly scheme: string;
  readonly opaque: string;
}

export type Uri = SipUri | TelUri | ImUri | AbsoluteUri;

export function isSipUri(u: Uri): u is SipUri {
  return u.scheme === 'sip' || u.scheme === 'sips';
}

// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
function isScheme(s: string, end: number): boolean {
  if (end === 0) return false;
  const c0 = s.charCodeAt(0) | 0x20;
  if (c0 < 97 || c0 > 122) return false;
  for (let i = 1; i < end; i++) {
    const c = s.charCodeAt(i);
    const l = c | 0x20;
    if (!((l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return false;
  }
  return true;
}

/** Lower-cases the scheme without allocating for the usual spellings. */
function lowerScheme(s: string, colon: number): string {
  if (colon === 3) {
    if (s.startsWith('sip')) return 'sip';
    if (s.startsWith('tel')) return 'tel';
  } else if (colon === 4 && s.startsWith('sips')) return 'sips';
  return s.slice(0, colon).toLowerCase();
}

export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SipParseError(`URI without scheme: "${text}"`);
  if (!isScheme(text, colon)) throw new SipParseError(`bad URI scheme "${text.slice(0, colon)}"`);
  const lower = lowerScheme(text, colon);
  if (lower === 'sip' || lower === 'sips') return parseSipUri(lower, text, colon + 1);
  const rest = text.slice(colon + 1);
  if (lower === 'tel') return parseTelUri(rest, text);
  if (lower === 'im' || lower === 'pres') return parseImUri(lower, rest, text);
  if (rest.length === 0 || hasForbidden(rest)) throw new SipParseError(`bad URI "${text}"`);
  return { scheme: lower, opaque: rest };
}

/** White space, controls, <, > and DQUOTE never appear in a URI (RFC 3986 §2). */
function hasForbidden(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 34 || c === 60 || c === 62 || c === 127) return true;
  }
  return false;
}

/**
 * SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 * (RFC 3261 §19.1.1, §25.1), scanned with character tables from `from`.
 */
function parseSipUri(scheme: 'sip' | 'sips', s: string, from: number): SipUri {
  const n = s.length;
  let user: string | null = null;
  let password: string | null = null;
  let i = from;
  // userinfo ends at the first "@": user may hold ";" and "?" (RFC 4475 semiuri).
  const at = s.indexOf('@', from);
  if (at !== -1) {
    let pc = s.indexOf(':', from);
    if (pc > at) pc = -1;
    const userEnd = pc === -1 ? at : pc;
    if (!isEscapedRun(s, from, userEnd, USER_CHARS)) throw new SipParseError(`bad user part in URI "${s}"`);
    user = s.slice(from, userEnd);
    if (pc !== -1) {
      if (!isEscapedRun(s, pc + 1, at, PASSWORD_CHARS, true)) throw new SipParseError(`bad password in URI "${s}"`);
      password = s.slice(pc + 1, at);
    }
    i = at + 1;
  }
  // hostport ends at ";" (parameters), "?" (headers) or the end.
  let hpEnd = i;
  let host: string;
  let port: number | null = null;
  if (i < n && s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close === -1 || !isIPv6Reference(s, i, close + 1)) throw new SipParseError(`bad IPv6 reference in URI "${s}"`);
    host = s.slice(i, close + 1);
    hpEnd = close + 1;
  } else {
    while (hpEnd < n && inTable(HOST_CHARS, s.charCodeAt(hpEnd))) hpEnd++;
    if (!isHostname(s, i, hpEnd)) throw new SipParseError(`bad host in URI "${s}"`);
    host = s.slice(i, hpEnd);
  }
  if (hpEnd < n && s.charCodeAt(hpEnd) === 58) {
    const ps = hpEnd + 1;
    hpEnd = ps;
    while (hpEnd < n && isDigitCode(s.charCodeAt(hpEnd))) hpEnd++;
    port = parsePort(s, ps, hpEnd);
  }
  let params: Params;
  let headers: Array<readonly [string, string]> = NO_HEADERS as Array<readonly [string, string]>;
  let q = n;
  if (hpEnd < n) {
    const c = s.charCodeAt(hpEnd);
    if (c === 59) {
      q = s.indexOf('?', hpEnd);
      if (q === -1) q = n;
      params = new Params(parseParamList(s, hpEnd, q, true));
    } else if (c === 63) {
      q = hpEnd;
      params = new Params();
    } else throw new SipParseError(`bad host in URI "${s}"`);
  } else params = new Params();
  if (q < n) {
    headers = [];
    let k = q + 1;
    for (;;) {
      let amp = s.indexOf('&', k);
      if (amp === -1) amp = n;
      const eq = s.indexOf('=', k);
      // header = hname "=" hvalue
      if (eq === -1 || eq >= amp || eq === k) throw new SipParseError(`bad header in URI "${s}"`);
      if (!isEscapedRun(s, k, eq, URI_HEADER_CHARS) || !isEscapedRun(s, eq + 1, amp, URI_HEADER_CHARS, true)) {
        throw new SipParseError(`bad header in URI "${s}"`);
      }
      headers.push([s.slice(k, eq), s.slice(eq + 1, amp)]);
      if (amp === n) break;
      k = amp + 1;
    }
  }
  return { scheme, user, password, host, port, params, headers };
}

const NO_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([]);

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** hostname / IPv4address: starts with an alphanumeric, does not end with "-". */
function isHostname(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  const first = s.charCodeAt(from);
  if (first === 45 || first === 46) return false;
  return s.charCodeAt(to - 1) !== 45;
}

/**
 * IPv6reference = "[" IPv6address "]" (RFC 3261 §25.1): hex groups of up to
 * four digits separated by ":", at most one "::", optionally ending in an
 * IPv4 address; eight groups in all (an IPv4 tail counts as two).
 */
export function isIPv6Reference(s: string, from: number, to: number): boolean {
  if (to - from < 4 || s.charCodeAt(from) !== 91 || s.charCodeAt(to - 1) !== 93) return false;
  const body = s.slice(from + 1, to - 1);
  for (let i = 0; i < body.length; i++) if (!inTable(IPV6_CHARS, body.charCodeAt(i))) return false;
  const dbl = body.indexOf('::');
  if (dbl !== -1 && body.indexOf('::', dbl + 1) !== -1) return false;
  const groups = body.split(':');
  let count = 0;
  for (let g = 0; g < groups.length; g++) {
    const part = groups[g]!;
    if (part.length === 0) continue; // from "::" (or its leading/trailing colon)
    if (part.indexOf('.') !== -1) {
      if (g !== groups.length - 1 || !isIPv4(part)) return false;
      count += 2;
    } else if (part.length > 4 || part.indexOf('.') !== -1) return false;
    else count++;
  }
  // A lone leading or trailing ":" is only allowed as part of "::".
  if (body.startsWith(':') && !body.startsWith('::')) return false;
  if (body.endsWith(':') && !body.endsWith('::')) return false;
  return dbl === -1 ? count === 8 : count < 8;
}

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) if (!isDigits(p) || p.length > 3 || Number(p) > 255) return false;
  return true;
}

function parsePort(s: string, from: number, to: number): number {
  if (to === from || to - from > 5) throw new SipParseError(`bad port in URI "${s}"`);
  const n = Number(s.slice(from, to));
  if (n > 65535) throw new SipParseError(`bad port in URI "${s}"`);
  return n;
}

// RFC 3966 §3: global-number-digits = "+" *phonedigit DIGIT *phonedigit;
// local-number-digits = *phonedigit-hex (HEXDIG / "*" / "#") *phonedigit-hex.
const GLOBAL_NUMBER = /^\+[\d\-.()]*\d[\d\-.()]*$/;
const LOCAL_NUMBER = /^[\dA-Fa-f*#\-.()]*[\dA-Fa-f*#][\dA-Fa-f*#\-.()]*$/;

function parseTelUri(s: string, whole: string): TelUri {
  const semi = s.indexOf(';');
  const number = semi === -1 ? s : s.slice(0, semi);
  if (!GLOBAL_NUMBER.test(number) && !LOCAL_NUMBER.test(number)) throw new SipParseError(`bad tel URI "${whole}"`);
  const params = semi === -1 ? new Params() : new Params(parseParamList(s, semi, s.length, true));
  // RFC 3966 §3 wants phone-context on a local number; accepted without it
  // (liberal receiver), since only routing cares.
  return { scheme: 'tel', number, params };
}

function parseImUri(scheme: 'im' | 'pres', s: string, whole: string): ImUri {
  const q = s.indexOf('?');
  const addr = q === -1 ? s : s.slice(0, q);
  const at = addr.indexOf('@');
  if (at <= 0 || at === addr.length - 1 || hasForbidden(s)) throw new SipParseError(`bad ${scheme} URI "${whole}"`);
  return { scheme, user: addr.slice(0, at), host: addr.slice(at + 1), query: q === -1 ? null : s.slice(q + 1) };
}

export function formatUri(u: Uri): string {
  switch (u.scheme) {
    case 'sip':
    case 'sips': {
      const su = u as SipUri;
      let s = su.scheme + ':';
      if (su.user !== null) {
        s += su.user;
        if (su.password !== null) s += ':' + su.password;
        s += '@';
      }
      s += su.host;
      if (su.port !== null) s += ':' + su.port;
      s += su.params.toString();
      if (su.headers.length > 0) s += '?' + su.headers.map(([n, v]) => `${n}=${v}`).join('&');
      return s;
    }
    case 'tel': {
      const t = u as TelUri;
      return 'tel:' + t.number + t.params.toString();
    }
    case 'im':
    case 'pres': {
      const m = u as ImUri;
      return `${m.scheme}:${m.user}@${m.host}` + (m.query === null ? '' : '?' + m.query);
    }
    default:
      return `${u.scheme}:${(u as AbsoluteUri).opaque}`;
  }
}

/** Decodes %HH escapes (RFC 3261 §19.1.4: compare escaped characters decoded). Never stops at %00. */
export function unescapeUriPart(s: string): string {
  if (s.indexOf('%') === -1) return s;
  return new TextDecoder().decode(unescapeBytes(s));
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

function isEscapeAt(s: string, i: number): boolean {
  return i + 2 < s.length && isHexDigit(s.charCodeAt(i + 1)) && isHexDigit(s.charCodeAt(i + 2));
}

function unescapeBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && isEscapeAt(s, i)) {
      out.push(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c < 128) out.push(c);
    else {
      // user parts are ASCII by grammar; keep any other code point as UTF-8.
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const b of new TextEncoder().encode(String.fromCodePoint(cp))) out.push(b);
    }
  }
  return Uint8Array.from(out);
}

/** RFC 2396 §2.2 reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / "," */
const RESERVED = ';/?:@&=+$,';

/**
 * The comparison form of an escaped URI component (RFC 3261 §19.1.4):
 * "characters other than those in the 'reserved' set ... are equivalent to
 * their '"%" HEX HEX' encoding". Escapes of unreserved printable ASCII are
 * decoded, all other escapes kept with upper-case hex, so "%61lice" equals
 * "alice" while "%3B" stays distinct from ";" and "%00" from "%01".
 */
export function uriComparisonForm(s: string): string {
  if (s.indexOf('%') === -1) return s;
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== 37 || !isEscapeAt(s, i)) continue;
    const b = hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2));
    const ch = String.fromCharCode(b);
    out += s.slice(from, i);
    if (b > 32 && b < 127 && b !== 37 && RESERVED.indexOf(ch) === -1) out += ch;
    else out += '%' + s.slice(i + 1, i + 3).toUpperCase();
    i += 2;
    from = i + 1;
  }
  return out + s.slice(from);
}

/**
 * RFC 3261 §10.3 step 5 unescaping for an address-of-record key: escapes are
 * decoded, except that "%25" and octets that do not form valid UTF-8 stay as
 * upper-case "%HH". The result is injective: two users that differ in
 * their octets never share a key ("%FF" and "%FE" would both decode to
 * U+FFFD otherwise).
 */
function aorUserForm(s: string): string {
  if (s.indexOf('%') === -1) return s;
  const bytes = unescapeBytes(s);
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 1 && b !== 37) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    if (len > 1 && i + len <= bytes.length) {
      try {
        out += new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + len));
        i += len;
        continue;
      } catch {
        // not a valid sequence: fall through and keep the octet escaped
      }
    }
    out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
    i++;
  }
  return out;
}

/**
 * The address-of-record key of a SIP URI: scheme, unescaped user and
 * lower-cased host, without port or parameters (RFC 3261 §10.3 step 5).
 */
export function aorOf(u: Uri): string {
  if (isSipUri(u)) {
    const user = u.user === null ? '' : aorUserForm(u.user) + '@';
    return `${u.scheme}:${user}${u.host.toLowerCase()}`;
  }
  if (u.scheme === 'tel') return 'tel:' + (u as TelUri).number.replace(/[-.()]/g, '');
  return formatUri(u);
}

const DEFAULT_PORT: Record<string, number> = { sip: 5060, sips: 5061 };

/** Parameters that must match whenever either URI has them (RFC 3261 §19.1.4). */
const SPECIAL_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'] as const;

function paramValuesEqual(a: string | null, b: string | null): boolean {
  return equalsIgnoreCase(uriComparisonForm(a ?? ''), uriComparisonForm(b ?? ''));
}

/**
 * URI equality of RFC 3261 §19.1.4: user/password case-sensitive after
 * unescaping, host case-insensitive, an explicit port never equals an
 * omitted one, and the user/ttl/method/maddr/transport parameters must match
 * when either side has them; other parameters only when both have them;
 * headers must be the same set on both.
 */
export function sipUriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if ((a.user === null) !== (b.user === null)) return false;
  if (a.user !== null && uriComparisonForm(a.user) !== uriComparisonForm(b.user!)) return false;
  if ((a.password === null) !== (b.password === null)) return false;
  if (a.password !== null && uriComparisonForm(a.password) !== uriComparisonForm(b.password!)) return false;
  if (!equalsIgnoreCase(a.host, b.host)) return false;
  if (a.port !== b.port) return false;
  for (const special of SPECIAL_PARAMS) {
    const va = a.params.get(special);
    const vb = b.params.get(special);
    if (va === undefined && vb === undefined) continue;
    if (va === undefined || vb === undefined) return false;
    if (!paramValuesEqual(va, vb)) return false;
  }
  for (const p of a.params.list) {
    const vb = b.params.get(p.name);
    if (vb === undefined) continue;
    if (!paramValuesEqual(p.value, vb)) return false;
  }
  if (a.headers.length !== b.headers.length) return false;
  for (const [n, v] of a.headers) {
    const other = b.headers.find(([bn]) => equalsIgnoreCase(bn, n));
    if (!other || uriComparisonForm(other[1]) !== uriComparisonForm(v)) return false;
  }
  return true;
}

export function defaultPort(u: SipUri): number {
  return u.port ?? DEFAULT_PORT[u.scheme]!;
}
