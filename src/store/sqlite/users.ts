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

/**
 * HA1 values kept in memory at most, per algorithm family. About 110 bytes
 * each (name, 32 hex digits, map entry): a user base of 200,000 that all
 * register within an hour, the registrar's normal load, costs ~22 MB and
 * no query per REGISTER. A query in WAL mode takes shared-memory read
 * locks (fcntl calls) and was the largest single cost of a REGISTER.
 */
const CACHE_SIZE = 200_000;
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
  /** name → HA1 (null: no such user in our realm), for MD5 and for SHA-256. */
  private readonly cache = { md5: new Map<string, string | null>(), sha256: new Map<string, string | null>() };
  private readonly ha1Md5;
  private readonly ha1Sha256;
  private readonly allMd5;
  private loaded = false;
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
    this.ha1Md5 = db.prepare('SELECT ha1_md5 FROM users WHERE name = ? AND realm = ?').pluck();
    this.ha1Sha256 = db.prepare('SELECT ha1_sha256 FROM users WHERE name = ? AND realm = ?').pluck();
    this.allMd5 = db.prepare('SELECT name, ha1_md5 FROM users WHERE realm = ?').raw();
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.version = this.dataVersion.get() as number;
    this.checkedAt = this.now();
  }

  /** Forgets every cached HA1 when another connection (`simpleim user ...`) has written, checked at most once a second. */
  private revalidate(): void {
    const t = this.now();
    if (t - this.checkedAt < CHECK_INTERVAL) return;
    this.checkedAt = t;
    const v = this.dataVersion.get() as number;
    if (v !== this.version) {
      this.version = v;
      this.forget();
    }
  }

  private forget(): void {
    this.cache.md5.clear();
    this.cache.sha256.clear();
  }

  /**
   * Fills the MD5 cache with every user of the realm (about 1 µs a row), so
   * that a registration storm after a restart, each user authenticating
   * once, finds every HA1 in memory. Done once: after another process
   * changed the users, values are read again one by one as they are asked
   * for (reading them all would stall the event loop for each `simpleim
   * user add`). SHA-256 values (not offered by default) are read on demand. The server calls it at start (reading 100,000 rows takes a few
   * hundred ms, better spent before the ready line than on the first
   * REGISTER); otherwise the first lookup does.
   */
  preload(): void {
    this.loaded = true;
    const cache = this.cache.md5;
    for (const [name, ha1] of this.allMd5.iterate(this.realm) as IterableIterator<[string, string]>) {
      if (cache.size >= CACHE_SIZE) break;
      cache.set(name, ha1);
    }
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
      this.forget();
    }
    return { name, realm: this.realm, ha1: { MD5: h.md5, 'SHA-256': h.sha256 }, createdAt: now };
  }

  async setPassword(name: string, password: string): Promise<void> {
    const h = this.hashes(name, password);
    const r = this.db
      .prepare('UPDATE users SET realm = ?, ha1_md5 = ?, ha1_sha256 = ? WHERE name = ?')
      .run(this.realm, h.md5, h.sha256, name);
    this.forget();
    if (r.changes === 0) throw new NoSuchUserError(name);
  }

  async remove(name: string): Promise<boolean> {
    this.forget();
    return this.db.prepare('DELETE FROM users WHERE name = ?').run(name).changes > 0;
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const row = this.byName.get(name) as Row | undefined;
    return row && toRecord(row);
  }

  async list(): Promise<UserRecord[]> {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as Row[]).map(toRecord);
  }

  async exists(name: string): Promise<boolean> {
    // Every user has an MD5 HA1 for our realm (add and setPassword write both).
    return (await this.ha1(name, this.realm, 'MD5')) !== undefined;
  }

  async ha1(name: string, realm: string, algorithm: DigestAlgorithm): Promise<string | undefined> {
    // Rows are written with this store's realm; a request for another realm has no user here.
    if (realm !== this.realm) return undefined;
    this.revalidate();
    if (!this.loaded) this.preload();
    const sha = algorithm.startsWith('SHA-256');
    const cache = sha ? this.cache.sha256 : this.cache.md5;
    let v = cache.get(name);
    if (v === undefined) {
      v = ((sha ? this.ha1Sha256 : this.ha1Md5).get(name, realm) as string | undefined) ?? null;
      // Full: start over. (Dropping the oldest one at a time leaves the map's
      // front full of deleted slots that every later eviction walks through.)
      if (cache.size >= CACHE_SIZE) cache.clear();
      cache.set(name, v);
    }
    return v ?? undefined;
  }
}

function toRecord(r: Row): UserRecord {
  return { name: r.name, realm: r.realm, ha1: { MD5: r.ha1_md5, 'SHA-256': r.ha1_sha256 }, createdAt: r.created_at };
}
