// HTTP Digest authentication (RFC 7616, RFC 2617; RFC 8760 for SHA-256 in
// SIP), shared by the SIP registrar, XCAP and the MSRP relay. Pure: strings
// in, strings out. Hashes come from @noble/hashes so the same code runs in
// browsers (WebCrypto has no MD5 and is asynchronous).
import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { utf8Encode } from './bytes.js';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

/** Every algorithm we implement, strongest first (RFC 7616 §3.7: list the preferred first). */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

/** A malformed challenge or credentials header; `status` is what a server answers. */
export class DigestParseError extends Error {
  readonly status = 400;
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DigestParseError';
  }
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** qop-options; empty means the RFC 2069 compatibility mode without qop. */
  qop: string[];
  algorithm?: DigestAlgorithm;
  opaque?: string;
  stale?: boolean;
  domain?: string;
  /** RFC 7616 §3.3 userhash: kept for completeness; we never hash usernames ourselves. */
  userhash?: boolean;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: DigestAlgorithm;
  cnonce?: string;
  opaque?: string;
  qop?: 'auth';
  /** nonce-count: exactly 8 hex digits on the wire (RFC 7616 §3.4). */
  nc?: string;
  userhash?: boolean;
}

// ---------------------------------------------------------------- hashing

/**
 * H() of RFC 7616 §3.4 as lowercase hex: the algorithm's hash of a UTF-8
 * string. The default is @noble's (runs anywhere); the server passes
 * node:crypto's (node-digest-hash.ts), several times faster on the
 * authentication path every request takes.
 */
export type DigestHash = (alg: DigestAlgorithm, text: string) => string;

export const portableDigestHash: DigestHash = (alg, s) => {
  const data = utf8Encode(s);
  return bytesToHex(alg === 'MD5' || alg === 'MD5-sess' ? md5(data) : sha256(data));
};

function isSess(alg: DigestAlgorithm): boolean {
  return alg === 'MD5-sess' || alg === 'SHA-256-sess';
}

/**
 * H(username ":" realm ":" password), the value a user store keeps instead of
 * the password. For the -sess variants this is still the base value: the
 * session key needs nonce and cnonce and is derived in computeResponse.
 */
export function computeHa1(alg: DigestAlgorithm, username: string, realm: string, password: string, hashHex = portableDigestHash): string {
  return hashHex(alg, `${username}:${realm}:${password}`);
}

export interface ResponseInput {
  algorithm: DigestAlgorithm;
  /** computeHa1() of the user; for -sess the base value (see computeHa1). */
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}

/** The request-digest of RFC 7616 §3.4.1 (and RFC 2617 §3.2.2.1 without qop). */
export function computeResponse(input: ResponseInput, hashHex = portableDigestHash): string {
  const { algorithm: alg, nonce, cnonce = '' } = input;
  // RFC 7616 §3.4.2: for -sess, A1 = H(user:realm:passwd) ":" nonce ":" cnonce.
  const ha1 = isSess(alg) ? hashHex(alg, `${input.ha1}:${nonce}:${cnonce}`) : input.ha1;
  const ha2 = hashHex(alg, `${input.method}:${input.uri}`);
  if (input.qop === 'auth') {
    return hashHex(alg, `${ha1}:${nonce}:${input.nc ?? '00000001'}:${cnonce}:auth:${ha2}`);
  }
  // RFC 2617 §3.2.2.1: without qop (RFC 2069 compatibility) the digest omits nc, cnonce and qop.
  return hashHex(alg, `${ha1}:${nonce}:${ha2}`);
}

/** Constant-time comparison of two hex strings, so a timing side channel does not leak the response. */
export function digestEquals(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Checks credentials against the stored HA1 of their user for a request method. */
export function verifyResponse(creds: DigestCredentials, ha1: string, method: string, hash = portableDigestHash): boolean {
  const expected = computeResponse({
    algorithm: creds.algorithm ?? 'MD5',
    ha1,
    nonce: creds.nonce,
    method,
    uri: creds.uri,
    qop: creds.qop,
    nc: creds.nc,
    cnonce: creds.cnonce,
  }, hash);
  return digestEquals(expected, creds.response.toLowerCase());
}

// ---------------------------------------------------------------- client helper

export interface AnswerOptions {
  username: string;
  password: string;
  method: string;
  uri: string;
  /** Client nonce; injected so tests are deterministic. */
  cnonce: string;
  /** Nonce count for this nonce, starting at 1. */
  nc: number;
}

/** Builds the Authorization/Proxy-Authorization credentials that answer a challenge. */
export function answerChallenge(challenge: DigestChallenge, opts: AnswerOptions): DigestCredentials {
  const algorithm = challenge.algorithm ?? 'MD5';
  // RFC 7616 §3.4: the client picks one of the offered qop values; we only do "auth".
  if (challenge.qop.length > 0 && !challenge.qop.includes('auth')) {
    throw new DigestParseError('no supported qop in challenge (only "auth" is implemented)');
  }
  const qop = challenge.qop.length > 0 ? ('auth' as const) : undefined;
  const nc = formatNonceCount(opts.nc);
  const ha1 = computeHa1(algorithm, opts.username, challenge.realm, opts.password);
  const response = computeResponse({
    algorithm,
    ha1,
    nonce: challenge.nonce,
    method: opts.method,
    uri: opts.uri,
    qop,
    nc,
    cnonce: opts.cnonce,
  });
  const creds: DigestCredentials = {
    username: opts.username,
    realm: challenge.realm,
    nonce: challenge.nonce,
    uri: opts.uri,
    response,
  };
  if (challenge.algorithm) creds.algorithm = challenge.algorithm;
  if (qop) {
    creds.qop = qop;
    creds.nc = nc;
    creds.cnonce = opts.cnonce;
  } else if (isSess(algorithm)) {
    creds.cnonce = opts.cnonce;
  }
  if (challenge.opaque !== undefined) creds.opaque = challenge.opaque;
  return creds;
}

export function formatNonceCount(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new DigestParseError(`nonce count out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------- wire syntax

/** RFC 7230 §3.2.6 tchar, by character code. */
const TCHAR = (() => {
  const t = new Uint8Array(128);
  for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") t[c.charCodeAt(0)] = 1;
  return t;
})();

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/**
 * Parses `Digest a=b, c="d"` (RFC 7235 §2.1 auth-param list) into
 * lower-cased names. Every authenticated request runs it, so it scans
 * character codes and slices, and builds a quoted value character by
 * character only when it holds a quoted-pair.
 */
function parseParams(value: string): Map<string, string> {
  const v = value.trim();
  if (!/^digest(\s|$)/i.test(v)) throw new DigestParseError('scheme is not Digest');
  const params = new Map<string, string>();
  let i = 6;
  const n = v.length;
  const skipWs = () => {
    while (i < n && isSpace(v.charCodeAt(i))) i++;
  };
  while (true) {
    skipWs();
    while (i < n && v.charCodeAt(i) === 0x2c) {
      i++;
      skipWs();
    }
    if (i >= n) break;
    const nameStart = i;
    for (let c = v.charCodeAt(i); i < n && c < 128 && TCHAR[c] === 1; c = v.charCodeAt(++i));
    const name = v.slice(nameStart, i).toLowerCase();
    if (name === '') throw new DigestParseError(`bad auth-param at offset ${nameStart}`);
    skipWs();
    if (v.charCodeAt(i) !== 0x3d) throw new DigestParseError(`auth-param ${name} has no value`);
    i++;
    skipWs();
    let val: string;
    if (v.charCodeAt(i) === 0x22) {
      const close = v.indexOf('"', i + 1);
      const escape = v.indexOf('\\', i + 1);
      if (close !== -1 && (escape === -1 || escape > close)) {
        val = v.slice(i + 1, close);
        i = close + 1;
      } else {
        // RFC 7230 §3.2.6: quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        i++;
        val = '';
        while (true) {
          if (i >= n) throw new DigestParseError(`unterminated quoted-string in ${name}`);
          const c = v.charCodeAt(i);
          if (c === 0x22) {
            i++;
            break;
          }
          if (c === 0x5c && i + 1 < n) {
            val += v[i + 1];
            i += 2;
            continue;
          }
          val += v[i];
          i++;
        }
      }
    } else {
      const s = i;
      for (let c = v.charCodeAt(i); i < n && c !== 0x2c && c !== 0x20 && c !== 0x09; c = v.charCodeAt(++i));
      val = v.slice(s, i);
      if (val === '') throw new DigestParseError(`auth-param ${name} has an empty value`);
    }
    if (params.has(name)) throw new DigestParseError(`duplicate auth-param ${name}`);
    params.set(name, val);
    skipWs();
    if (i < n && v.charCodeAt(i) !== 0x2c) throw new DigestParseError(`expected "," after ${name}`);
  }
  return params;
}

function parseAlgorithm(s: string | undefined): DigestAlgorithm | undefined {
  if (s === undefined) return undefined;
  // RFC 7616 §3.3: algorithm tokens are matched case-insensitively.
  const found = DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === s.toLowerCase());
  if (!found) throw new DigestParseError(`unsupported algorithm ${s}`);
  return found;
}

function need(p: Map<string, string>, name: string): string {
  const v = p.get(name);
  if (v === undefined) throw new DigestParseError(`missing ${name}`);
  return v;
}

/** Parses a WWW-Authenticate / Proxy-Authenticate value. */
export function parseChallenge(value: string): DigestChallenge {
  const p = parseParams(value);
  const c: DigestChallenge = {
    realm: need(p, 'realm'),
    nonce: need(p, 'nonce'),
    qop: (p.get('qop') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
  const alg = parseAlgorithm(p.get('algorithm'));
  if (alg) c.algorithm = alg;
  if (p.has('opaque')) c.opaque = p.get('opaque')!;
  if (p.has('domain')) c.domain = p.get('domain')!;
  const stale = p.get('stale');
  if (stale !== undefined) c.stale = stale.toLowerCase() === 'true';
  const userhash = p.get('userhash');
  if (userhash !== undefined) c.userhash = userhash.toLowerCase() === 'true';
  return c;
}

function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

export function serializeChallenge(c: DigestChallenge): string {
  const parts = [`realm=${quote(c.realm)}`];
  if (c.domain !== undefined) parts.push(`domain=${quote(c.domain)}`);
  parts.push(`nonce=${quote(c.nonce)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  if (c.stale) parts.push('stale=true');
  if (c.algorithm) parts.push(`algorithm=${c.algorithm}`);
  if (c.qop.length > 0) parts.push(`qop=${quote(c.qop.join(','))}`);
  if (c.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

/** Parses an Authorization / Proxy-Authorization value. */
export function parseCredentials(value: string): DigestCredentials {
  const p = parseParams(value);
  const c: DigestCredentials = {
    username: need(p, 'username'),
    realm: need(p, 'realm'),
    nonce: need(p, 'nonce'),
    uri: need(p, 'uri'),
    response: need(p, 'response'),
  };
  if (!/^[0-9a-fA-F]+$/.test(c.response)) throw new DigestParseError('response is not hex');
  const alg = parseAlgorithm(p.get('algorithm'));
  if (alg) c.algorithm = alg;
  if (p.has('cnonce')) c.cnonce = p.get('cnonce')!;
  if (p.has('opaque')) c.opaque = p.get('opaque')!;
  const qop = p.get('qop');
  if (qop !== undefined) {
    if (qop.toLowerCase() !== 'auth') throw new DigestParseError(`unsupported qop ${qop}`);
    c.qop = 'auth';
    const nc = need(p, 'nc');
    // RFC 7616 §3.4: nc is exactly 8LHEX.
    if (!/^[0-9a-fA-F]{8}$/.test(nc)) throw new DigestParseError('nc is not 8 hex digits');
    c.nc = nc.toLowerCase();
    if (c.cnonce === undefined) throw new DigestParseError('qop=auth without cnonce');
  }
  const userhash = p.get('userhash');
  if (userhash !== undefined) c.userhash = userhash.toLowerCase() === 'true';
  return c;
}

export function serializeCredentials(c: DigestCredentials): string {
  const parts = [
    `username=${quote(c.username)}`,
    `realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    `uri=${quote(c.uri)}`,
    `response=${quote(c.response)}`,
  ];
  if (c.algorithm) parts.push(`algorithm=${c.algorithm}`);
  if (c.cnonce !== undefined) parts.push(`cnonce=${quote(c.cnonce)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  // RFC 7616 §3.4: qop and nc are unquoted tokens.
  if (c.qop) parts.push(`qop=${c.qop}`);
  if (c.nc !== undefined) parts.push(`nc=${c.nc}`);
  if (c.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}
