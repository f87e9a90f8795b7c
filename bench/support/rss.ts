import { readFileSync } from 'node:fs';

/** A process's resident set (VmRSS) in KiB, 0 once it is gone. */
export function rssKb(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/**
 * A process's proportional set size in KiB: shared pages divided among the
 * processes that map them. Summing RSS over Kamailio's processes counts its
 * shared memory once per process; summing PSS counts it once.
 */
export function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function statusField(pid: number, name: string): number {
  try {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export interface MemoryPeak {
  /** Largest sum of VmRSS over the processes seen in one sample (KiB). */
  readonly rssKb: number;
  /** Largest sum of PSS in one sample (KiB). */
  readonly pssKb: number;
}

/** Samples the summed VmRSS (and PSS) of a set of processes every `everyMs` and keeps the peak. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private peakRss = 0;
  private peakPss = 0;

  constructor(
    private readonly pids: readonly number[],
    private readonly everyMs = 100,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  stop(): MemoryPeak {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return { rssKb: this.peakRss, pssKb: this.peakPss };
  }

  private sample(): void {
    let rss = 0;
    let pss = 0;
    for (const p of this.pids) {
      rss += rssKb(p);
      pss += pssKb(p);
    }
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakPss = Math.max(this.peakPss, pss);
  }
}
