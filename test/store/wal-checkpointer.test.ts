import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { WalCheckpointer } from '../../src/store/sqlite/wal-checkpointer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `n` commits of one 4 KB row each: about one WAL page per commit. */
function writeCommits(db: ReturnType<typeof openSqlite>, n: number, from: number): void {
  const ins = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  for (let i = 0; i < n; i++) ins.run(from + i, 'x'.repeat(4000));
}

async function walGrowth(withWorker: boolean): Promise<{ first: number; second: number; rows: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'simpleim-wal-'));
  const path = join(dir, 'db.sqlite');
  const db = openSqlite(path);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const cp = withWorker ? new WalCheckpointer(db, path) : undefined;
  if (!cp) db.pragma('wal_autocheckpoint = 10000');
  try {
    writeCommits(db, 600, 0);
    const first = statSync(`${path}-wal`).size;
    // The worker checkpoints every second; the next writer then starts the WAL over.
    await sleep(2500);
    writeCommits(db, 600, 600);
    const second = statSync(`${path}-wal`).size;
    await cp?.close();
    const reader = openSqlite(path);
    const rows = (reader.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
    reader.close();
    return { first, second, rows };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('without the worker, the WAL of a busy server keeps growing until the safety-net checkpoint', async () => {
  const g = await walGrowth(false);
  assert.ok(g.second > g.first * 1.8, `WAL ${g.first} then ${g.second} bytes`);
  assert.equal(g.rows, 1200);
});

test('the worker checkpoints in the background: the WAL is reused instead of growing, and nothing is lost', async () => {
  const g = await walGrowth(true);
  assert.ok(g.second < g.first * 1.3, `WAL ${g.first} then ${g.second} bytes`);
  assert.equal(g.rows, 1200);
});
