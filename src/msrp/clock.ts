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

/** Makes n pool bytes available at pool[poolAt]; returns that offset and moves past them. */
function takePool(n: number): number {
  if (poolAt + n > pool.length) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(4096));
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += n;
  return at;
}

export const cryptoRandom: RandomSource = (n) => {
  if (n > 1024) return globalThis.crypto.getRandomValues(new Uint8Array(n));
  const at = takePool(n);
  return pool.subarray(at, at + n);
};

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ALPHABET_CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const codes: number[] = [];

/**
 * A random identifier of `length` alphanumerics (RFC 4975 §7.1: transaction
 * ids need at least 64 bits of randomness; 12 of 62 symbols give ~71 bits).
 */
export function randomIdent(random: RandomSource, length = 12): string {
  // Ids are made per chunk: read the default source's pool in place rather
  // than through a view per id, and build one string from char codes rather
  // than a rope of `length` one-character pieces.
  let bytes: Uint8Array;
  let at = 0;
  if (random === cryptoRandom && length <= 1024) {
    at = takePool(length);
    bytes = pool;
  } else bytes = random(length);
  codes.length = length;
  for (let i = 0; i < length; i++) codes[i] = ALPHABET_CODES[bytes[at + i]! % 62]!;
  return String.fromCharCode.apply(null, codes);
}
