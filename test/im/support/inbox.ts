import type { SipRequest } from '../../../src/sip/message.js';
import type { TestUa } from '../../support/test-ua.js';

/** Waits until `ua` has received `n` requests matching `pred`; returns them in arrival order. */
export async function waitForCount(ua: TestUa, pred: (r: SipRequest) => boolean, n: number, ms = 10_000): Promise<SipRequest[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const hits = ua.inbox.filter(pred);
    if (hits.length >= n) return hits;
    if (Date.now() > deadline) throw new Error(`got ${hits.length} of ${n} matching requests within ${ms} ms`);
    await ua.waitFor(() => ua.inbox.filter(pred).length >= n, Math.max(1, deadline - Date.now())).catch(() => undefined);
  }
}

/** Lets in-flight work finish before asserting that nothing (more) arrived. */
export function settle(ms = 300): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const isMessage = (r: SipRequest): boolean => r.method === 'MESSAGE';
