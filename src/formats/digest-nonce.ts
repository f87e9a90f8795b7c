// Stateless digest nonces: the nonce itself carries its issue time and an
// HMAC over it, so any node sharing the secret can check it without a shared
// nonce table (RFC 7616 §5.4 suggests a time stamp plus a private key). The
// only state is the per-nonce nonce-count window that rejects replays, and
// it is bounded.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

export type NonceVerdict = 'valid' | 'stale' | 'invalid';

/** HMAC-SHA-256 of `data` under `key` (at least MAC_LEN octets). */
export type NonceMac = (key: Uint8Array, data: Uint8Array) => Uint8Array;

const portableMac: NonceMac = (key, data) => hmac(sha256, key, data);

export interface NonceIssuerOptions {
  /** HMAC key, at least 16 bytes; nodes of one cluster share it. */
  secret: Uint8Array;
  /** Milliseconds since the epoch; injected so tests control time. */
  now: () => number;
  /** Random bytes source; injected so tests are deterministic. */
  random: (n: number) => Uint8Array;
  /** How long a nonce stays fresh; older ones are "stale" (RFC 7616 §3.3 stale=true). Default 5 min. */
  lifetimeMs?: number;
  /** How many nonces the replay window remembers. Default 10,000. */
  maxTracked?: number;
  /** The HMAC; default @noble's, the server passes node:crypto's (node-digest-hash.ts). */
  mac?: NonceMac;
}

const TS_LEN = 6;
const RAND_LEN = 9;
const MAC_LEN = 16;
const RAW_LEN = TS_LEN + RAND_LEN + MAC_LEN;
/** Nonce counts this far below the highest seen are still accepted once (parallel requests). */
const NC_WINDOW = 32;

interface NcState {
  issuedAt: number;
  max: number;
  /** bit i set: nc (max - i) was seen, for i < NC_WINDOW. */
  seen: number;
}

export class NonceIssuer {
  readonly #secret: Uint8Array;
  readonly #now: () => number;
  readonly #random: (n: number) => Uint8Array;
  readonly #lifetime: number;
  readonly #maxTracked: number;
  readonly #hmac: NonceMac;
  #current = new Map<string, NcState>();
  #previous = new Map<string, NcState>();
  /** Issue time of the newest nonce forgotten by eviction: such nonces can no longer be replay-checked. */
  #forgottenUpTo = -Infinity;

  constructor(opts: NonceIssuerOptions) {
    if (opts.secret.length < 16) throw new Error('NonceIssuer secret must be at least 16 bytes');
    this.#secret = opts.secret;
    this.#now = opts.now;
    this.#random = opts.random;
    this.#lifetime = opts.lifetimeMs ?? 300_000;
    this.#maxTracked = opts.maxTracked ?? 10_000;
    this.#hmac = opts.mac ?? portableMac;
  }

  /** A fresh nonce (base64url, 42 characters). */
  issue(): string {
    const raw = new Uint8Array(RAW_LEN);
    writeUint48(raw, Math.floor(this.#now()));
    raw.set(this.#random(RAND_LEN).subarray(0, RAND_LEN), TS_LEN);
    raw.set(this.#mac(raw.subarray(0, TS_LEN + RAND_LEN)), TS_LEN + RAND_LEN);
    return base64UrlEncode(raw);
  }

  /**
   * Checks a nonce, and with `nc` (the 8-hex nonce-count of qop=auth) also
   * that this count was not used before with this nonce. "stale" means a
   * genuine nonce that expired or can no longer be tracked: the server
   * re-challenges with stale=true and the client retries without asking the
   * user (RFC 7616 §3.3).
   */
  check(nonce: string, nc?: string): NonceVerdict {
    const raw = base64UrlDecode(nonce);
    if (!raw || raw.length !== RAW_LEN) return 'invalid';
    const mac = this.#mac(raw.subarray(0, TS_LEN + RAND_LEN));
    let diff = 0;
    for (let i = 0; i < MAC_LEN; i++) diff |= mac[i]! ^ raw[TS_LEN + RAND_LEN + i]!;
    if (diff !== 0) return 'invalid';
    const issuedAt = readUint48(raw);
    const now = this.#now();
    if (issuedAt > now + 1000) return 'invalid';
    if (now - issuedAt > this.#lifetime) return 'stale';
    if (nc === undefined) return 'valid';
    if (!/^[0-9a-fA-F]{8}$/.test(nc)) return 'invalid';
    return this.#recordCount(nonce, issuedAt, parseInt(nc, 16));
  }

  #recordCount(nonce: string, issuedAt: number, count: number): NonceVerdict {
    if (count < 1) return 'invalid';
    let st = this.#current.get(nonce) ?? this.#previous.get(nonce);
    if (!st) {
      if (issuedAt <= this.#forgottenUpTo) return 'stale';
      st = { issuedAt, max: 0, seen: 0 };
      this.#track(nonce, st);
    }
    if (count > st.max) {
      const shift = count - st.max;
      st.seen = shift >= NC_WINDOW ? 1 : ((st.seen << shift) | 1) >>> 0;
      st.max = count;
      return 'valid';
    }
    const back = st.max - count;
    if (back >= NC_WINDOW) return 'invalid';
    const bit = 1 << back;
    if (st.seen & bit) return 'invalid';
    st.seen = (st.seen | bit) >>> 0;
    return 'valid';
  }

  /**
   * Two generations of half the window each: when the newer is full, the
   * older is forgotten whole. Evicting entries one at a time from the front
   * of one Map left a run of deleted slots there that every later eviction
   * walked through again, several percent of a REGISTER's cost under load.
   */
  #track(nonce: string, st: NcState): void {
    if (this.#current.size >= this.#maxTracked / 2) {
      for (const v of this.#previous.values()) if (v.issuedAt > this.#forgottenUpTo) this.#forgottenUpTo = v.issuedAt;
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(nonce, st);
  }

  #mac(data: Uint8Array): Uint8Array {
    return this.#hmac(this.#secret, data).subarray(0, MAC_LEN);
  }
}

function writeUint48(b: Uint8Array, v: number): void {
  for (let i = TS_LEN - 1; i >= 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
}

function readUint48(b: Uint8Array): number {
  let v = 0;
  for (let i = 0; i < TS_LEN; i++) v = v * 256 + b[i]!;
  return v;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function base64UrlEncode(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[v >> 18]! + B64[(v >> 12) & 63]! + B64[(v >> 6) & 63]! + B64[v & 63]!;
  }
  if (i < b.length) {
    const v = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8);
    s += B64[v >> 18]! + B64[(v >> 12) & 63]!;
    if (i + 1 < b.length) s += B64[(v >> 6) & 63]!;
  }
  return s;
}

function base64UrlDecode(s: string): Uint8Array | undefined {
  if (s.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const v = B64.indexOf(s[i]!);
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out.subarray(0, o);
}
