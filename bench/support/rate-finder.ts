import { sleep } from './procs.js';
import { holds, type LoadResult } from './sipp-load.js';

export interface FindOptions {
  readonly label: string;
  /** First rate tried (calls/s); doubled while it holds, halved while it fails. */
  readonly start: number;
  readonly max: number;
  readonly min?: number;
  /** Seconds of traffic per search run and for the confirming run. */
  readonly searchSeconds: number;
  readonly confirmSeconds: number;
  /** Bisection steps between the last rate that held and the first that failed. */
  readonly bisections?: number;
  readonly run: (rate: number, seconds: number) => Promise<LoadResult>;
  /** Called before each confirming run (e.g. to restart the server so its peak RSS is that rate's alone). */
  readonly beforeConfirm?: (rate: number) => Promise<void>;
  readonly log: (line: string) => void;
  /** When a run counts as holding; default `holds` (< 0.1 % failed calls). */
  readonly criterion?: { readonly name: string; readonly ok: (r: LoadResult) => boolean };
}

export interface Found {
  /** The confirming run at the highest rate that held (undefined when even `min` failed). */
  readonly held: LoadResult | undefined;
  /** The lowest rate seen failing, if any. */
  readonly failedAt: number | undefined;
  readonly runs: readonly LoadResult[];
}

/**
 * Highest rate that holds (< 0.1 % failed calls): double from `start` until a
 * rate fails, bisect between, then run the best rate again for longer; if the
 * second run fails too, step down by a quarter (or to a lower rate that held,
 * whichever is higher) and confirm again.
 */
export async function findRate(o: FindOptions): Promise<Found> {
  const runs: LoadResult[] = [];
  const ok = o.criterion?.ok ?? holds;
  const attempt = async (rate: number, seconds: number): Promise<LoadResult> => {
    const r = await o.run(rate, seconds);
    runs.push(r);
    o.log(
      `  ${o.label}${o.criterion ? ` [${o.criterion.name}]` : ''} ${String(rate).padStart(6)}/s ${seconds}s: ${ok(r) ? 'holds' : 'FAILS'}  ok ${r.ok}/${r.placed}` +
        ` (${r.failedPct.toFixed(2)}% failed) ${Math.round(r.cps)} calls/s p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms` +
        `${r.rcvbufErrors ? ` rcvbuf-errors ${r.rcvbufErrors}` : ''}`,
    );
    // A failed run leaves retransmissions and queues behind: let the server drain.
    await sleep(holds(r) ? 800 : 2500);
    return r;
  };
  const min = o.min ?? 100;
  let good: number | undefined;
  let bad: number | undefined;
  let rate = o.start;
  while (rate <= o.max && rate >= min) {
    if (ok(await attempt(rate, o.searchSeconds))) {
      good = rate;
      if (bad !== undefined) break;
      rate *= 2;
    } else {
      bad = rate;
      if (good !== undefined) break;
      rate = Math.floor(rate / 2);
    }
  }
  for (let i = 0; i < (o.bisections ?? 2) && good !== undefined && bad !== undefined; i++) {
    const mid = Math.round((good + bad) / 2 / 250) * 250;
    if (mid <= good || mid >= bad) break;
    if (ok(await attempt(mid, o.searchSeconds))) good = mid;
    else bad = mid;
  }
  while (good !== undefined) {
    await o.beforeConfirm?.(good);
    const c = await attempt(good, o.confirmSeconds);
    if (ok(c)) return { held: c, failedAt: bad, runs };
    bad = good;
    // Step down by a quarter, not to the next rate that held in the search
    // (often half): the confirming run is longer, so a rate just under the
    // one that held for 3 s usually holds for 5.
    const lower = runs.filter((r) => ok(r) && r.rate < good!).map((r) => r.rate);
    const step = Math.round((good * 0.75) / 250) * 250;
    const next = Math.max(step, ...lower);
    good = next >= min && next < good ? next : undefined;
  }
  return { held: undefined, failedAt: bad, runs };
}
