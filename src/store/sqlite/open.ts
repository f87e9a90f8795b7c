import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) the embedded store in WAL mode with
 * synchronous=NORMAL: a commit has written its WAL frames to the file
 * before it returns, so anything acknowledged to a peer (a 202 for a stored
 * message, a 200 for a REGISTER) survives `kill -9` of the server; only a
 * crash of the operating system itself can lose the last commits. FULL
 * would fsync every commit (~4 ms here) and cap REGISTER at a few hundred
 * per second (docs/decisions.md). Each store module creates its own tables
 * with CREATE TABLE IF NOT EXISTS.
 */
export function openSqlite(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
