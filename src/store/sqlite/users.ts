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

/** Users in SQLite: one row per user with HA1 per algorithm for the realm. */
export class SqliteUsers implements Users {
  private readonly db: SqliteDatabase;
  private readonly realm: string;
  /** Read on every authenticated request: prepared once. */
  private readonly byName;

  constructor(db: SqliteDatabase, realm: string) {
    this.db = db;
    this.realm = realm;
    db.exec(`CREATE TABLE IF NOT EXISTS users (
      name TEXT PRIMARY KEY,
      realm TEXT NOT NULL,
      ha1_md5 TEXT NOT NULL,
      ha1_sha256 TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`);
    this.byName = db.prepare('SELECT * FROM users WHERE name = ?');
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
    }
    return { name, realm: this.realm, ha1: { MD5: h.md5, 'SHA-256': h.sha256 }, createdAt: now };
  }

  async setPassword(name: string, password: string): Promise<void> {
    const h = this.hashes(name, password);
    const r = this.db
      .prepare('UPDATE users SET realm = ?, ha1_md5 = ?, ha1_sha256 = ? WHERE name = ?')
      .run(this.realm, h.md5, h.sha256, name);
    if (r.changes === 0) throw new NoSuchUserError(name);
  }

  async remove(name: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM users WHERE name = ?').run(name).changes > 0;
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const row = this.byName.get(name) as Row | undefined;
    return row && toRecord(row);
  }

  async list(): Promise<UserRecord[]> {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as Row[]).map(toRecord);
  }

  async ha1(name: string, realm: string, algorithm: DigestAlgorithm): Promise<string | undefined> {
    const row = this.byName.get(name) as Row | undefined;
    if (!row || row.realm !== realm) return undefined;
    return algorithm.startsWith('SHA-256') ? row.ha1_sha256 : row.ha1_md5;
  }
}

function toRecord(r: Row): UserRecord {
  return { name: r.name, realm: r.realm, ha1: { MD5: r.ha1_md5, 'SHA-256': r.ha1_sha256 }, createdAt: r.created_at };
}
