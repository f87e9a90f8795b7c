import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SippRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Counters from the -trace_stat file's last line (SuccessfulCall(C), FailedCall(C)...). */
  readonly stats: Record<string, string>;
  readonly dir: string;
  /** What the scenario's <log> actions wrote (-trace_logs). */
  readonly logs: string;
  /** sipp's own error log (-trace_err). */
  readonly errors: string;
}

export interface SippOptions {
  /** Path of the scenario XML. */
  readonly scenario: string;
  /** Remote host:port (omitted for a pure UAS). */
  readonly remote?: string;
  readonly transport?: 'u1' | 'un' | 't1' | 'tn';
  readonly localPort?: number;
  /** CSV injection file contents (first line SEQUENTIAL/RANDOM). */
  readonly inf?: string;
  /** Number of calls before exiting (-m). */
  readonly calls?: number;
  readonly rate?: number;
  /** Overall timeout in seconds so a run always ends. */
  readonly timeoutS?: number;
  readonly extra?: readonly string[];
  /** Resolves when sipp prints something matching (for UAS readiness). */
  readonly keys?: Record<string, string>;
}

/** Runs Debian's sipp (package sip-tester) with a scenario and collects its outcome. */
export function startSipp(o: SippOptions): { done: Promise<SippRun>; kill: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const args = ['-sf', o.scenario, '-nostdin', '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1', '-trace_logs', '-trace_err'];
  args.push('-t', o.transport ?? 'u1', '-i', '127.0.0.1');
  if (o.localPort !== undefined) args.push('-p', String(o.localPort));
  if (o.inf !== undefined) {
    writeFileSync(join(dir, 'users.csv'), o.inf);
    args.push('-inf', join(dir, 'users.csv'));
  }
  args.push('-m', String(o.calls ?? 1));
  if (o.rate !== undefined) args.push('-r', String(o.rate));
  args.push('-timeout', `${o.timeoutS ?? 20}s`, '-timeout_error', '-recv_timeout', '5000');
  for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, v);
  args.push(...(o.extra ?? []));
  if (o.remote) args.push(o.remote);
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<SippRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({
        code,
        stdout,
        stderr,
        stats: readStats(join(dir, 'stat.csv')),
        dir,
        logs: readMatching(dir, /_logs\.log$/),
        errors: readMatching(dir, /_errors\.log$/),
      });
    });
  });
  return { done, kill: () => child.kill('SIGTERM') };
}

export async function runSipp(o: SippOptions): Promise<SippRun> {
  return startSipp(o).done;
}

function readStats(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  if (lines.length < 2) return {};
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const out: Record<string, string> = {};
  head.forEach((h, i) => (out[h] = last[i] ?? ''));
  return out;
}

function readMatching(dir: string, re: RegExp): string {
  let out = '';
  for (const f of readdirSync(dir)) if (re.test(f)) out += readFileSync(join(dir, f), 'utf8');
  return out;
}

/** Why a sipp run failed, for assertion messages. */
export function describeRun(r: SippRun): string {
  return `sipp exit ${r.code}\n${r.errors.slice(-3000)}\n${r.stderr.slice(-1000)}`;
}
