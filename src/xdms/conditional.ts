/**
 * If-Match / If-None-Match evaluation (RFC 2616 §14.24, §14.26, as RFC 4825
 * §7.11 and §8.2.6 use them): every resource of a document shares the
 * document's ETag; a missing document has none.
 */
function tags(header: string): string[] {
  return header.match(/(?:W\/)?"[^"]*"|\*/g) ?? [];
}

export type Precondition = 'ok' | 'failed' | 'not-modified';

export function evaluatePreconditions(method: string, ifMatch: string | undefined, ifNoneMatch: string | undefined, current: string | null): Precondition {
  if (ifMatch !== undefined) {
    const list = tags(ifMatch);
    // Strong comparison: a weak tag never matches for If-Match.
    const ok = current !== null && list.some((t) => t === '*' || t === current);
    if (!ok) return 'failed';
  }
  if (ifNoneMatch !== undefined) {
    const list = tags(ifNoneMatch);
    const hit = current !== null && list.some((t) => t === '*' || t === current || t === `W/${current}`);
    if (hit) return method === 'GET' || method === 'HEAD' ? 'not-modified' : 'failed';
  }
  return 'ok';
}
