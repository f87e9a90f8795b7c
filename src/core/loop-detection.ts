import type { SipRequest } from '../sip/message.js';
import { MAGIC_COOKIE } from '../sip/via.js';
import { fnv1a64Hex } from '../formats/fnv.js';

/**
 * Loop detection, RFC 3261 §16.3 step 4 and §16.6 step 8: the branch a
 * proxy puts in its Via carries a hash of the request fields that decide
 * routing. A request that comes back with one of our Vias whose hash equals
 * the hash of the request as received now has looped (482); a different
 * hash means it spiralled (its Request-URI changed) and is fine.
 */
export function loopHash(req: SipRequest): string {
  const cseq = req.cseq();
  const parts = [
    req.uriString,
    req.from().params.get('tag') ?? '',
    req.to().params.get('tag') ?? '',
    req.callId(),
    String(cseq.seq),
    req.getLines('proxy-require').join(','),
    req.getLines('proxy-authorization').join(','),
    req.getLines('route').join(','),
  ];
  // Only our own Vias are compared with it, so it needs to be stable and well spread, not secret.
  return fnv1a64Hex(parts.join('\n'));
}

/** A branch carrying the loop hash: "z9hG4bK" "L" hash "." random. */
export function loopBranch(hash: string, random: string): string {
  return `${MAGIC_COOKIE}L${hash}.${random}`;
}

/** True when one of our own Vias carries the hash this request has now. */
export function isLoop(req: SipRequest, isOurVia: (host: string, port: number | null) => boolean): boolean {
  let hash: string | undefined;
  for (const v of req.vias()) {
    if (!isOurVia(v.host, v.port)) continue;
    const b = v.params.get('branch');
    if (!b || !b.startsWith(MAGIC_COOKIE + 'L')) continue;
    hash ??= loopHash(req);
    if (b.slice(MAGIC_COOKIE.length + 1, b.indexOf('.')) === hash) return true;
  }
  return false;
}
