import { isDigits } from './chars.js';
import { Params } from './params.js';
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

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
// RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved )
const USER = /^(?:[-\w.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const PASSWORD = /^(?:[-\w.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
const HOSTNAME = /^[A-Za-z0-9](?:[-A-Za-z0-9.]*[A-Za-z0-9.])?$/;
const IPV6REF = /^\[[0-9A-Fa-f:.]+\]$/;
// hname / hvalue = 1*( hnv-unreserved / unreserved / escaped )
const HNV = /^(?:[-\w.!~*'()\[\]/?:+$]|%[0-9A-Fa-f]{2})*$/;

export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SipParseError(`URI without scheme: "${text}"`);
  const scheme = text.slice(0, colon);
  if (!SCHEME.test(scheme)) throw new SipParseError(`bad URI scheme "${scheme}"`);
  const lower = scheme.toLowerCase();
  const rest = text.slice(colon + 1);
  if (lower === 'sip' || lower === 'sips') return parseSipUri(lower, rest, text);
  if (lower === 'tel') return parseTelUri(rest, text);
  if (lower === 'im' || lower === 'pres') return parseImUri(lower, rest, text);
  if (rest.length === 0 || /[\s<>"]/.test(rest)) throw new SipParseError(`bad URI "${text}"`);
  return { scheme: lower, opaque: rest };
}

function parseSipUri(scheme: 'sip' | 'sips', s: string, whole: string): SipUri {
  if (/[\s<>"]/.test(s)) throw new SipParseError(`bad character in URI "${whole}"`);
  let user: string | null = null;
  let password: string | null = null;
  let i = 0;
  const at = s.indexOf('@');
  if (at !== -1) {
    const userinfo = s.slice(0, at);
    const pc = userinfo.indexOf(':');
    user = pc === -1 ? userinfo : userinfo.slice(0, pc);
    password = pc === -1 ? null : userinfo.slice(pc + 1);
    if (!USER.test(user)) throw new SipParseError(`bad user part in URI "${whole}"`);
    if (password !== null && !PASSWORD.test(password)) throw new SipParseError(`bad password in URI "${whole}"`);
    i = at + 1;
  }
  let end = s.length;
  const q = s.indexOf('?', i);
  if (q !== -1) end = q;
  const semi = s.indexOf(';', i);
  const hpEnd = semi !== -1 && semi < end ? semi : end;
  const hostport = s.slice(i, hpEnd);
  let host: string;
  let port: number | null = null;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close === -1) throw new SipParseError(`bad IPv6 reference in URI "${whole}"`);
    host = hostport.slice(0, close + 1);
    const after = hostport.slice(close + 1);
    if (after.length > 0) {
      if (after[0] !== ':') throw new SipParseError(`bad host in URI "${whole}"`);
      port = parsePort(after.slice(1), whole);
    }
    if (!IPV6REF.test(host)) throw new SipParseError(`bad IPv6 reference in URI "${whole}"`);
  } else {
    const pc = hostport.indexOf(':');
    host = pc === -1 ? hostport : hostport.slice(0, pc);
    if (pc !== -1) port = parsePort(hostport.slice(pc + 1), whole);
    if (!HOSTNAME.test(host)) throw new SipParseError(`bad host in URI "${whole}"`);
  }
  const params = hpEnd < end ? Params.parse(s.slice(hpEnd, end), true) : new Params();
  const headers: Array<readonly [string, string]> = [];
  if (q !== -1) {
    for (const h of s.slice(q + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) throw new SipParseError(`bad header in URI "${whole}"`);
      const name = h.slice(0, eq);
      const value = h.slice(eq + 1);
      if (!HNV.test(name) || !HNV.test(value)) throw new SipParseError(`bad header in URI "${whole}"`);
      headers.push([name, value]);
    }
  }
  return { scheme, user, password, host, port, params, headers };
}

function parsePort(p: string, whole: string): number {
  if (!isDigits(p) || p.length > 5) throw new SipParseError(`bad port in URI "${whole}"`);
  const n = Number(p);
  if (n > 65535) throw new SipParseError(`bad port in URI "${whole}"`);
  return n;
}

function parseTelUri(s: string, whole: string): TelUri {
  const semi = s.indexOf(';');
  const number = semi === -1 ? s : s.slice(0, semi);
  // RFC 3966 §3: global-number-digits = "+" *phonedigit DIGIT *phonedigit;
  // local numbers also allow hex digits, '*' and '#'.
  if (!/^(?:\+[\d\-.()]*\d[\d\-.()]*|[\dA-Fa-f*#\-.()]*[\dA-Fa-f*#][\dA-Fa-f*#\-.()]*)$/.test(number))
    throw new SipParseError(`bad tel URI "${whole}"`);
  const params = semi === -1 ? new Params() : Params.parse(s.slice(semi), true);
  return { scheme: 'tel', number, params };
}

function parseImUri(scheme: 'im' | 'pres', s: string, whole: string): ImUri {
  const q = s.indexOf('?');
  const addr = q === -1 ? s : s.slice(0, q);
  const at = addr.indexOf('@');
  if (at <= 0 || at === addr.length - 1 || /[\s<>"]/.test(s)) throw new SipParseError(`bad ${scheme} URI "${whole}"`);
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
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length + 0 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      // user parts are ASCII by grammar; keep any other code unit as UTF-8.
      const enc = new TextEncoder().encode(s[i]!);
      for (const b of enc) bytes.push(b);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * The address-of-record key of a SIP URI: scheme, unescaped user and
 * lower-cased host, without port or parameters (RFC 3261 §10.3 step 5).
 */
export function aorOf(u: Uri): string {
  if (isSipUri(u)) {
    const user = u.user === null ? '' : unescapeUriPart(u.user) + '@';
    return `${u.scheme}:${user}${u.host.toLowerCase()}`;
  }
  if (u.scheme === 'tel') return 'tel:' + (u as TelUri).number.replace(/[-.()]/g, '');
  return formatUri(u);
}

const DEFAULT_PORT: Record<string, number> = { sip: 5060, sips: 5061 };

/**
 * URI equality of RFC 3261 §19.1.4: user/password case-sensitive after
 * unescaping, host case-insensitive, an explicit port never equals an
 * omitted one, and the user/ttl/method/maddr/transport parameters must match
 * when either side has them; other parameters only when both have them.
 */
export function sipUriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if ((a.user === null) !== (b.user === null)) return false;
  if (a.user !== null && unescapeUriPart(a.user) !== unescapeUriPart(b.user!)) return false;
  if ((a.password ?? '') !== (b.password ?? '')) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  if (a.port !== b.port) return false;
  for (const special of ['user', 'ttl', 'method', 'maddr', 'transport']) {
    const va = a.params.get(special);
    const vb = b.params.get(special);
    if (va === undefined && vb === undefined) continue;
    if (va === undefined || vb === undefined) return false;
    if ((va ?? '').toLowerCase() !== (vb ?? '').toLowerCase()) return false;
  }
  for (const p of a.params.list) {
    const vb = b.params.get(p.name);
    if (vb === undefined) continue;
    if ((p.value ?? '').toLowerCase() !== (vb ?? '').toLowerCase()) return false;
  }
  if (a.headers.length !== b.headers.length) return false;
  for (const [n, v] of a.headers) {
    const other = b.headers.find(([bn]) => bn.toLowerCase() === n.toLowerCase());
    if (!other || unescapeUriPart(other[1]) !== unescapeUriPart(v)) return false;
  }
  return true;
}

export function defaultPort(u: SipUri): number {
  return u.port ?? DEFAULT_PORT[u.scheme]!;
}
