import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteUsers } from '../../src/store/sqlite/users.js';
import { descendants, freePort, waitSipReady, type Procs } from './procs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUPPORT = fileURLToPath(new URL('./', import.meta.url));

export interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  /** The processes whose memory counts as the server's. */
  readonly pids: readonly number[];
  /** simpleim's HTTP port (/metrics). */
  readonly httpPort?: number;
}

/**
 * Adds users straight into a fresh data directory's SQLite store, in one
 * transaction: thousands of `simpleim user add` runs would take minutes.
 */
export function addUsers(data: string, domain: string, names: readonly string[], password: string): void {
  const db = openSqlite(join(data, 'simpleim.db'));
  try {
    const users = new SqliteUsers(db, domain);
    // add() does its work synchronously, so every insert lands inside this transaction.
    db.transaction(() => {
      for (const n of names) void users.add(n, password);
    })();
  } finally {
    db.close();
  }
}

export interface SimpleimOptions {
  readonly data: string;
  readonly domain: string;
  /** Write a V8 CPU profile into this directory when the server exits. */
  readonly cpuProfDir?: string;
}

/**
 * `simpleim server` as operators run it (warn-level logs), on free loopback
 * ports. A port found free can be taken by another process (a sipp run's
 * ephemeral port) before the server binds it: then it starts again on others.
 */
export async function startSimpleim(procs: Procs, o: SimpleimOptions): Promise<Running> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSimpleimOnce(procs, o);
    } catch (e) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String(e))) throw e;
    }
  }
}

async function startSimpleimOnce(procs: Procs, o: SimpleimOptions): Promise<Running> {
  const port = await freePort();
  const httpPort = await freePort();
  const node = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  const extra = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const entry = process.env.BENCH_SIMPLEIM_ENTRY ?? join(ROOT, 'bin/simpleim.mjs');
  const child = procs.start(process.execPath, [
    ...node, ...extra, entry, 'server', '--data', o.data, '--domain', o.domain,
    '--sip', `127.0.0.1:${port}`, '--http', `127.0.0.1:${httpPort}`, '--msrp', `127.0.0.1:${await freePort()}`,
    '--log-level', 'warn',
  ], { cwd: ROOT });
  await procs.waitFor(child, /^simpleim ready/m, 30_000);
  await waitSipReady(port);
  return { child, port, httpPort, pids: [child.pid!] };
}

/** The OPTIONS responder made of the stack alone (bench/support/options-responder.ts). */
export async function startResponder(procs: Procs): Promise<Running> {
  const port = await freePort();
  const child = procs.start(process.execPath, ['--import', 'tsx', join(SUPPORT, 'options-responder.ts'), String(port)], { cwd: ROOT });
  await procs.waitFor(child, /^ready \d+/m, 30_000);
  await waitSipReady(port);
  return { child, port, pids: [child.pid!] };
}

export interface KamailioOptions {
  readonly dir: string;
  readonly domain: string;
  readonly password: string;
}

/**
 * Kamailio 5.6 from bench/support/kamailio.cfg.tmpl: 2 UDP workers, 1 GB of
 * shared memory (tm keeps each finished transaction a while, PEERS.md).
 */
export async function startKamailio(procs: Procs, o: KamailioOptions): Promise<Running> {
  const port = await freePort();
  const cfg = join(o.dir, 'kamailio.cfg');
  writeFileSync(
    cfg,
    readFileSync(join(SUPPORT, 'kamailio.cfg.tmpl'), 'utf8')
      .replaceAll('@PORT@', String(port))
      .replaceAll('@DOMAIN@', o.domain)
      .replaceAll('@PASSWORD@', o.password),
  );
  const child = procs.start('kamailio', ['-f', cfg, '-DD', '-E', '-m', '1024', '-M', '16', '-Y', o.dir], { cwd: o.dir });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  try {
    await waitSipReady(port);
  } catch (e) {
    throw new Error(`kamailio did not start: ${(e as Error).message}\n${log}`);
  }
  return { child, port, pids: [child.pid!, ...descendants(child.pid!)] };
}
