import { MAGIC_COOKIE } from './via.js';

/**
 * Fills a buffer with random octets. Injected so tests get predictable
 * branches, tags and Call-IDs; the default is WebCrypto, present in
 * Node 20 and in browsers.
 */
export type RandomSource = (into: Uint8Array) => void;

// Tags, branches and nonces take a few octets each, thousands of times a
// second: one call into WebCrypto per 4 KiB instead of one per identifier.
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolAt = POOL_SIZE;

export const cryptoRandom: RandomSource = (into) => {
  const n = into.length;
  if (n > POOL_SIZE / 4) {
    // getRandomValues takes at most 65536 octets a call.
    for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(into.subarray(o, Math.min(n, o + 65536)));
    return;
  }
  if (poolAt + n > POOL_SIZE) {
    globalThis.crypto.getRandomValues(pool);
    poolAt = 0;
  }
  // Each octet is handed out once.
  for (let i = 0; i < n; i++) {
    into[i] = pool[poolAt + i]!;
    pool[poolAt + i] = 0;
  }
  poolAt += n;
};

/** `n` octets from cryptoRandom, in a new array (the shape NonceIssuer's `random` takes). */
export function randomOctets(n: number): Uint8Array {
  const out = new Uint8Array(n);
  cryptoRandom(out);
  return out;
}

// 32 unambiguous token characters: 5 bits per character.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

function randomToken(random: RandomSource, length: number): string {
  const bytes = new Uint8Array(length);
  random(bytes);
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[bytes[i]! & 31];
  // Built a character at a time, the token would be a chain of pieces; it is kept in headers and keys.
  return flatString(s);
}

/**
 * A branch for a new transaction. RFC 3261 §8.1.1.7: "The branch ID
 * inserted by an element compliant with this specification MUST always
 * begin with the characters "z9hG4bK"", and it "MUST be unique across
 * space and time for all requests sent by the UA". 20 random characters
 * carry 100 bits.
 */
export function newBranch(random: RandomSource = cryptoRandom): string {
  return MAGIC_COOKIE + randomToken(random, 20);
}

/**
 * A From or To tag. RFC 3261 §19.3: "it MUST be globally unique and
 * cryptographically random with at least 32 bits of randomness".
 */
export function newTag(random: RandomSource = cryptoRandom): string {
  return randomToken(random, 10);
}

/**
 * A Call-ID (RFC 3261 §8.1.1.4: "the use of cryptographically random
 * identifiers ... is RECOMMENDED"), optionally "@host".
 */
export function newCallId(random: RandomSource = cryptoRandom, host?: string): string {
  const id = randomToken(random, 24);
  return host === undefined ? id : `${id}@${host}`;
}

/**
 * The first CSeq number of a UAC or dialog. RFC 3261 §8.1.1.5: "The
 * sequence number value MUST be expressible as a 32-bit unsigned integer
 * and MUST be less than 2**31."
 */
export function initialCSeq(random: RandomSource = cryptoRandom): number {
  const b = new Uint8Array(4);
  random(b);
  // Keep well below 2**31 so a long dialog cannot reach it.
  return ((b[0]! << 16) | (b[1]! << 8) | b[2]!) + 1;
}

let sink = 0;

/**
 * An identifier kept for long (a transaction key for the 32 s of Timer J,
 * a flow id, a binding's fields) that was built by concatenation or
 * slicing holds on to its pieces, and those are slices of a whole received
 * message's text. Reading a character makes the engine flatten a
 * concatenation into one string of its own; the write to `sink` keeps the
 * read from being optimized away.
 */
export function flatString(s: string): string {
  if (s.length > 0) sink ^= s.charCodeAt(0);
  return s;
}
