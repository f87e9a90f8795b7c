import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Procs } from './procs.js';
import { RssSampler, type MemoryPeak } from './rss.js';

export interface LoadOptions {
  /** Scenario XML path; its final <recv> logs "T s0 u0 s1 u1" (gettimeofday at start and end of the call). */
  readonly scenario: string;
  /** host:port of the server under test. */
  readonly remote: string;
  /** -inf CSV path (first line SEQUENTIAL). */
  readonly inf?: string;
  readonly rate: number;
  /** Seconds of traffic: the run places rate × seconds calls. */
  readonly seconds: number;
  /** Processes whose summed RSS is sampled during the run. */
  readonly pids: readonly number[];
}

export interface LoadResult {
  readonly rate: number;
  readonly placed: number;
  readonly ok: number;
  /** Calls placed that did not end in the final 200, over calls placed (%). */
  readonly failedPct: number;
  /** Successful calls per second of the span from the first call's start to the last call's end. */
  readonly cps: number;
  /** Per-call time, first request sent to final 200 received (microsecond clock), in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly memory: MemoryPeak;
  /** UDP receive-buffer overflows on the host during the run (/proc/net/snmp). */
  readonly rcvbufErrors: number;
  readonly exitCode: number | null;
}

/** The failure criterion from PEERS.md: a rate holds when fewer than 0.1 % of its calls fail. */
export const holds = (r: LoadResult): boolean => r.failedPct < 0.1;

/**
 * One bounded sipp run over UDP on loopback: rate × seconds calls, a global
 * timeout so it always ends, per-call times from the scenario's log lines.
 */
export async function runLoad(procs: Procs, o: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'simpleim-bench-sipp-'));
  const placed = Math.max(1, Math.round(o.rate * o.seconds));
  const args = [
    '-sf', o.scenario, '-nostdin', '-t', 'u1', '-i', '127.0.0.1', '-p', String(await freePort()),
    '-m', String(placed), '-r', String(o.rate), '-rp', '1000',
    '-l', String(Math.max(1000, o.rate * 7)), '-buff_size', '1048576',
    '-recv_timeout', '2000', '-timeout', `${Math.ceil(o.seconds) + 5}s`, '-timeout_error',
    '-trace_logs',
  ];
  if (o.inf) args.push('-inf', o.inf);
  args.push(o.remote);
  const before = rcvbufErrors();
  const sampler = new RssSampler(o.pids).start();
  const child = procs.start('sipp', args, { cwd: dir });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout!.resume();
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const memory = sampler.stop();
  const rcv = rcvbufErrors() - before;
  const times: number[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('_logs.log')) continue;
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const m = /^T (\d+)(?:\.\d*)? (\d+)(?:\.\d*)? (\d+)(?:\.\d*)? (\d+)/.exec(line);
      if (!m) continue;
      const start = Number(m[1]) * 1e6 + Number(m[2]);
      const end = Number(m[3]) * 1e6 + Number(m[4]);
      times.push(end - start);
      if (start < first) first = start;
      if (end > last) last = end;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  if (times.length === 0 && exitCode !== 0 && exitCode !== 1) {
    throw new Error(`sipp ${o.scenario} exited ${exitCode} with no call: ${stderr}`);
  }
  times.sort((a, b) => a - b);
  const ok = times.length;
  const span = (last - first) / 1e6;
  return {
    rate: o.rate,
    placed,
    ok,
    failedPct: ((placed - ok) / placed) * 100,
    cps: ok > 1 && span > 0 ? ok / span : 0,
    p50Ms: percentile(times, 0.5) / 1000,
    p99Ms: percentile(times, 0.99) / 1000,
    memory,
    rcvbufErrors: rcv,
    exitCode,
  };
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** RcvbufErrors of the Udp line in /proc/net/snmp. */
function rcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) return 0;
  const head = lines[0]!.split(/\s+/);
  const vals = lines[1]!.split(/\s+/);
  const i = head.indexOf('RcvbufErrors');
  return i < 0 ? 0 : Number(vals[i]);
}
