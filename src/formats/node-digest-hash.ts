// node:crypto versions of the digest primitives, for the server: the
// portable @noble code costs several microseconds per hash in JavaScript,
// OpenSSL's one-shot crypto.hash() (Node 20.12) a fraction of that, and
// every authenticated SIP request computes three hashes and two HMACs.
import { hash } from 'node:crypto';
import type { DigestHash } from './digest.js';
import type { NonceMac } from './digest-nonce.js';

export const nodeDigestHash: DigestHash = (alg, text) => hash(alg === 'MD5' || alg === 'MD5-sess' ? 'md5' : 'sha256', text, 'hex');

const BLOCK = 64;
const pads = new WeakMap<Uint8Array, { inner: Buffer; outer: Buffer }>();

/**
 * HMAC-SHA-256 (RFC 2104) from two one-shot hashes with the padded keys
 * worked out once per key: createHmac() builds a KeyObject and a stream
 * object per call, which costs more than the hashing of a 15-octet nonce.
 */
export const nodeHmacSha256: NonceMac = (key, data) => {
  let p = pads.get(key);
  if (p === undefined) {
    const k = Buffer.alloc(BLOCK);
    if (key.length > BLOCK) hash('sha256', key, 'buffer').copy(k);
    else k.set(key);
    const inner = Buffer.alloc(BLOCK);
    const outer = Buffer.alloc(BLOCK);
    for (let i = 0; i < BLOCK; i++) {
      inner[i] = k[i]! ^ 0x36;
      outer[i] = k[i]! ^ 0x5c;
    }
    pads.set(key, (p = { inner, outer }));
  }
  const h1 = hash('sha256', Buffer.concat([p.inner, data]), 'buffer');
  return hash('sha256', Buffer.concat([p.outer, h1]), 'buffer');
};
