// Time and randomness are injected so transaction timers run on a fake clock
// in tests and ids are reproducible.

export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds, monotonic enough for timers. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    // A pending MSRP timer must not keep a Node process alive on its own.
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Fills n random bytes. */
export type RandomSource = (n: number) => Uint8Array;

// Ids are made per chunk: draw random bytes in 4 KiB batches, not one call each.
let pool = new Uint8Array(0);
let poolAt = 0;

export const cryptoRandom: RandomSource = (n) => {
  if (n > 1024) return globalThis.crypto.getRandomValues(new Uint8Array(n));
  if (poolAt + n > pool.length) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(4096));
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
};

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random identifier of `length` alphanumerics (RFC 4975 §7.1: transaction
 * ids need at least 64 bits of randomness; 12 of 62 symbols give ~71 bits).
 */
export function randomIdent(random: RandomSource, length = 12): string {
  const bytes = random(length);
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[bytes[i]! % 62];
  return s;
}
