import { computeHa1, type DigestAlgorithm } from '../../formats/digest.js';
import { NoSuchUserError, UserExistsError, type UserRecord, type Users } from '../users.js';
import type { SqliteDatabase } from './open.js';

interface Row {
  name: string;
  realm: string;
  ha1_md5: string;
  ha1_sha256: string;
  created_at: number;
}

/** Rows kept in memory at most. */
const CACHE_SIZE = 10_000;
/** How often, at most, the cache asks SQLite whether another connection wrote (ms). */
const CHECK_INTERVAL = 1000;

/**
 * Users in SQLite: one row per user with HA1 per algorithm for the realm.
 * Every authenticated request reads a row, so rows (and misses) are cached.
 * Writes through this object clear the cache; writes by another process
 * (`simpleim user passwd` while the server runs) change SQLite's
 * `data_version`, checked at most once a second.
 */
export class SqliteUsers implements Users {
  private readonly db: SqliteDatabase;
  private readonly realm: string;
  /** Read on every authenticated request: prepared once. */
  private readonly byName;
  private readonly dataVersion;
  private readonly now: () => number;
  private readonly cache = new Map<string, Row | null>();
  private version = -1;
  private checkedAt = -Infinity;

  constructor(db: SqliteDatabase, realm: string, now: () => number = Date.now) {
    this.db = db;
    this.realm = realm;
    this.now = now;
    db.exec(`CREATE TABLE IF NOT EXISTS users (
      name TEXT PRIMARY KEY,
      realm TEXT NOT NULL,
      ha1_md5 TEXT NOT NULL,
      ha1_sha256 TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`);
    this.byName = db.prepare('SELECT * FROM users WHERE name = ?');
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** The row of a user, from the cache while no one has written since. */
  private row(name: string): Row | undefined {
    const t = this.now();
    if (t - this.checkedAt >= CHECK_INTERVAL) {
      this.checkedAt = t;
      const v = this.dataVersion.get() as number;
      if (v !== this.version) {
        this.version = v;
        this.cache.clear();
      }
    }
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit ?? undefined;
    const row = (this.byName.get(name) as Row | undefined) ?? null;
    // Full: start over. (Dropping the oldest one at a time leaves the map's
    // front full of deleted slots that every later eviction walks through.)
    if (this.cache.size >= CACHE_SIZE) this.cache.clear();
    this.cache.set(name, row);
    return row ?? undefined;
  }

  private hashes(name: string, password: string) {
    return {
      md5: computeHa1('MD5', name, this.realm, password),
      sha256: computeHa1('SHA-256', name, this.realm, password),
    };
  }

  async add(name: string, password: string): Promise<UserRecord> {
    const h = this.hashes(name, password);
    const now = Date.now();
    try {
      this.db
        .prepare('INSERT INTO users (name, realm, ha1_md5, ha1_sha256, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(name, this.realm, h.md5, h.sha256, now);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new UserExistsError(name);
      throw e;
    } finally {
      this.cache.delete(name);
    }
    return { name, realm: this.realm, ha1: { MD5: h.md5, 'SHA-256': h.sha256 }, createdAt: now };
  }

  async setPassword(name: string, password: string): Promise<void> {
    const h = this.hashes(name, password);
    const r = this.db
      .prepare('UPDATE users SET realm = ?, ha1_md5 = ?, ha1_sha256 = ? WHERE name = ?')
      .run(this.realm, h.md5, h.sha256, name);
    this.cache.delete(name);
    if (r.changes === 0) throw new NoSuchUserError(name);
  }

  async remove(name: string): Promise<boolean> {
    this.cache.delete(name);
    return this.db.prepare('DELETE FROM users WHERE name = ?').run(name).changes > 0;
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const row = this.row(name);
    return row && toRecord(row);
  }

  async list(): Promise<UserRecord[]> {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as Row[]).map(toRecord);
  }

  async ha1(name: string, realm: string, algorithm: DigestAlgorithm): Promise<string | undefined> {
    const row = this.row(name);
    if (!row || row.realm !== realm) return undefined;
    return algorithm.startsWith('SHA-256') ? row.ha1_sha256 : row.ha1_md5;
  }
}

function toRecord(r: Row): UserRecord {
  return { name: r.name, realm: r.realm, ha1: { MD5: r.ha1_md5, 'SHA-256': r.ha1_sha256 }, createdAt: r.created_at };
}
