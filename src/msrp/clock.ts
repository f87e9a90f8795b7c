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

export const cryptoRandom: RandomSource = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));

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
