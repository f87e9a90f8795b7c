import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Seconds of quiet after traffic at which a full collection runs: soon after, and once UDP Timer J (32 s) has ended the last transactions. */
const AFTER_QUIET_S = [10, 40];
const TICK_MS = 5000;
/** Below this much heap in use, there is nothing worth giving back. */
const MIN_HEAP_BYTES = 64 * 1024 * 1024;

/**
 * A full garbage collection when the server goes quiet after traffic. V8
 * grows its heap to fit a burst (a registration storm leaves hundreds of MB
 * committed: every REGISTER's transaction lives 32 s for Timer J) and gives
 * the pages back only after a collection, but with no traffic nothing
 * allocates and no collection comes: a server that had 100,000 REGISTERs
 * kept 445 MB RSS, of which 150 MB were live. A collection in the quiet
 * stalls nobody. Uses V8's gc() through --expose-gc set at run time; where
 * that is unavailable, it does nothing.
 */
export interface IdleCollectionOptions {
  /** The collector; default V8's own (see exposedGc). */
  readonly gc?: (() => void) | undefined;
  readonly heapUsed?: () => number;
  /** Calls `tick` every `ms`; returns a stop function. Default an unref'd setInterval. */
  readonly every?: (ms: number, tick: () => void) => () => void;
}

export class IdleCollection {
  private readonly gc: (() => void) | undefined;
  private readonly heapUsed: () => number;
  private readonly stop: (() => void) | undefined;
  private active = false;
  private quietS = 0;

  constructor(o: IdleCollectionOptions = {}) {
    this.gc = 'gc' in o ? o.gc : exposedGc();
    this.heapUsed = o.heapUsed ?? (() => process.memoryUsage().heapUsed);
    const every =
      o.every ??
      ((ms: number, tick: () => void) => {
        const t = setInterval(tick, ms);
        t.unref();
        return () => clearInterval(t);
      });
    if (this.gc) this.stop = every(TICK_MS, () => this.tick());
  }

  /** Traffic arrived (called per request: only sets a flag). */
  activity(): void {
    this.active = true;
  }

  private tick(): void {
    if (this.active) {
      this.active = false;
      this.quietS = 0;
      return;
    }
    this.quietS += TICK_MS / 1000;
    if (AFTER_QUIET_S.includes(this.quietS) && this.heapUsed() >= MIN_HEAP_BYTES) this.gc?.();
  }

  close(): void {
    this.stop?.();
  }
}

/**
 * V8's gc(), made available at run time (the server is not started with
 * --expose-gc), run twice with --optimize-for-size set for the duration: a
 * plain forced collection frees the objects but keeps the heap's pages
 * committed; in memory-saving mode V8 compacts and releases them (measured
 * on a heap of 90 MB with 18 MB live: 102 MB kept committed after a plain
 * collection, 61 MB after this).
 */
function exposedGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    return () => {
      setFlagsFromString('--optimize-for-size');
      try {
        gc();
        gc();
      } finally {
        setFlagsFromString('--no-optimize-for-size');
      }
    };
  } catch {
    return undefined;
  }
}
