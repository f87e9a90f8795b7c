import { serializeChallenge, verifyResponse, type DigestAlgorithm, type DigestCredentials, type DigestHash } from '../formats/digest.js';
import type { NonceIssuer } from '../formats/digest-nonce.js';
import type { Users } from '../store/users.js';

export interface DigestCheckOptions {
  readonly realm: string;
  readonly users: Users;
  readonly nonces: NonceIssuer;
  readonly algorithms: readonly DigestAlgorithm[];
  /** H(); default the portable one (formats/digest.ts). */
  readonly hash?: DigestHash;
}

export type DigestVerdict =
  | { readonly kind: 'authenticated'; readonly user: string }
  /** Challenge again; `stale` when only the nonce was too old (RFC 7616 §3.3). */
  | { readonly kind: 'challenge'; readonly stale: boolean }
  | { readonly kind: 'forbidden'; readonly reason: string }
  | { readonly kind: 'bad-request'; readonly reason: string };

/**
 * Checks digest credentials for our realm against the user store, the same
 * way for SIP (RFC 3261 §22) and HTTP (XCAP, RFC 4825 §5.1): the algorithm
 * must be one we offer, qop=auth is required, the password is checked
 * before the nonce (so a right password with an expired nonce is
 * re-challenged with stale=true instead of refused), and a nonce-count may
 * not be replayed.
 */
export async function checkDigest(creds: DigestCredentials, method: string, o: DigestCheckOptions): Promise<DigestVerdict> {
  const algorithm = creds.algorithm ?? 'MD5';
  if (creds.realm !== o.realm || !o.algorithms.includes(algorithm)) return { kind: 'challenge', stale: false };
  // RFC 3261 §22.4: qop=auth is what we offer; a response without it is from an RFC 2069 client.
  if (creds.qop !== 'auth' || !creds.nc || !creds.cnonce) {
    return { kind: 'bad-request', reason: 'digest credentials without qop=auth' };
  }
  const ha1 = await o.users.ha1(creds.username, o.realm, algorithm);
  if (ha1 === undefined || !verifyResponse(creds, ha1, method, o.hash)) {
    const verdict = o.nonces.check(creds.nonce);
    if (verdict !== 'valid') return { kind: 'challenge', stale: verdict === 'stale' };
    return { kind: 'forbidden', reason: 'Wrong credentials' };
  }
  const verdict = o.nonces.check(creds.nonce, creds.nc);
  if (verdict !== 'valid') return { kind: 'challenge', stale: verdict === 'stale' };
  return { kind: 'authenticated', user: creds.username };
}

/**
 * One challenge of our realm for `algorithm` with a fresh nonce and
 * qop=auth, the same for SIP (401/407, RFC 3261 §22.4) and HTTP (401,
 * RFC 7616 §3.3); `stale` when only the nonce was too old.
 */
export function challengeValue(o: Pick<DigestCheckOptions, 'realm' | 'nonces'>, algorithm: DigestAlgorithm, stale: boolean): string {
  return serializeChallenge({ realm: o.realm, nonce: o.nonces.issue(), qop: ['auth'], algorithm, ...(stale ? { stale: true } : {}) });
}
