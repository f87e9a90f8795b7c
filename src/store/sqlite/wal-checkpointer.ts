import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './open.js';

/**
 * Pages the server's connection may leave in the WAL file before it
 * checkpoints by itself: only a safety net for when the worker below is
 * gone (about 40 MB of WAL).
 */
const SAFETY_NET_PAGES = 10_000;
const INTERVAL_MS = 1000;

/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs
 * inside the commit that crosses 1,000 pages of WAL: it copies those pages
 * into the database file and, with synchronous=NORMAL, fsyncs it, which
 * stalls every request in flight for milliseconds, once a second under a
 * registration storm. Here a worker thread with its own connection to the
 * same file runs a PASSIVE checkpoint every second instead (it never waits
 * for, nor blocks, the server's writes; https://sqlite.org/wal.html §
 * "Checkpointing"), and the server's connection only checkpoints itself
 * past a much larger WAL. Durability is unchanged: a commit is in the WAL
 * file before it returns, checkpointed or not.
 */
export class WalCheckpointer {
  private readonly worker: Worker;

  constructor(db: SqliteDatabase, path: string) {
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs: INTERVAL_MS } });
    // The safety net covers a worker that failed; the server keeps serving.
    this.worker.on('error', () => undefined);
    this.worker.unref();
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
setInterval(() => { try { checkpoint.run(); } catch {} }, workerData.intervalMs);
`;
