import { cryptoRandom, type RandomSource } from '../sip/ids.js';

/**
 * A RandomSource that hands out octets from a pool filled by one call to
 * the underlying source per `size` octets. A push sends thousands of
 * requests, each wanting a tag, a Call-ID and a branch: one WebCrypto call
 * per token cost more than building the rest of the request. The octets are
 * still the cryptographically random ones RFC 3261 §19.3 asks for ("MUST be
 * globally unique and cryptographically random"), each used once.
 */
export function pooledRandom(size = 16_384, source: RandomSource = cryptoRandom): RandomSource {
  // WebCrypto getRandomValues refuses more than 65536 octets per call.
  const pool = new Uint8Array(Math.min(65_536, Math.max(64, size)));
  let used = pool.length;
  return (into) => {
    if (into.length > pool.length) {
      source(into);
      return;
    }
    if (used + into.length > pool.length) {
      source(pool);
      used = 0;
    }
    into.set(pool.subarray(used, used + into.length));
    used += into.length;
  };
}
