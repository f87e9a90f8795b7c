import type { Binding, BindingFlow, Bindings } from '../bindings.js';
import type { SqliteDatabase } from './open.js';

interface Row {
  aor: string;
  key: string;
  contact: string;
  params: string;
  instance: string | null;
  reg_id: number | null;
  q: number | null;
  call_id: string;
  cseq: number;
  expires_at: number;
  path: string;
  flow: string | null;
  updated_at: number;
}

/**
 * Bindings in SQLite, fronted by an in-memory index of the live ones so
 * routing a request costs no query. Writes go to disk before the REGISTER
 * is answered, so bindings survive a restart.
 */
export class SqliteBindings implements Bindings {
  private readonly db: SqliteDatabase;
  private readonly byAor = new Map<string, Binding[]>();
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly deleteAorStmt;

  constructor(db: SqliteDatabase) {
    this.db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS bindings (
      aor TEXT NOT NULL,
      key TEXT NOT NULL,
      contact TEXT NOT NULL,
      params TEXT NOT NULL,
      instance TEXT,
      reg_id INTEGER,
      q REAL,
      call_id TEXT NOT NULL,
      cseq INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      path TEXT NOT NULL,
      flow TEXT,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (aor, key)
    )`);
    this.upsertStmt = db.prepare(`INSERT INTO bindings
      (aor, key, contact, params, instance, reg_id, q, call_id, cseq, expires_at, path, flow, updated_at)
      VALUES (@aor, @key, @contact, @params, @instance, @reg_id, @q, @call_id, @cseq, @expires_at, @path, @flow, @updated_at)
      ON CONFLICT (aor, key) DO UPDATE SET contact = excluded.contact, params = excluded.params,
        instance = excluded.instance, reg_id = excluded.reg_id, q = excluded.q, call_id = excluded.call_id,
        cseq = excluded.cseq, expires_at = excluded.expires_at, path = excluded.path, flow = excluded.flow,
        updated_at = excluded.updated_at`);
    this.deleteStmt = db.prepare('DELETE FROM bindings WHERE aor = ? AND key = ?');
    this.deleteAorStmt = db.prepare('DELETE FROM bindings WHERE aor = ?');
    for (const r of db.prepare('SELECT * FROM bindings').all() as Row[]) {
      const b = fromRow(r);
      const list = this.byAor.get(b.aor);
      if (list) list.push(b);
      else this.byAor.set(b.aor, [b]);
    }
  }

  async list(aor: string, now: number): Promise<Binding[]> {
    const list = this.byAor.get(aor);
    if (!list) return [];
    return list.filter((b) => b.expiresAt > now);
  }

  async update(aor: string, upserts: readonly Binding[], removeKeys: readonly string[]): Promise<void> {
    const tx = this.db.transaction(() => {
      for (const b of upserts) this.upsertStmt.run(toRow(b));
      for (const k of removeKeys) this.deleteStmt.run(aor, k);
    });
    tx();
    let list = (this.byAor.get(aor) ?? []).filter((b) => !removeKeys.includes(b.key));
    for (const b of upserts) {
      const i = list.findIndex((x) => x.key === b.key);
      if (i === -1) list.push(b);
      else list[i] = b;
    }
    list = list.slice();
    if (list.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, list);
  }

  async removeAll(aor: string): Promise<void> {
    this.deleteAorStmt.run(aor);
    this.byAor.delete(aor);
  }

  async purgeExpired(now: number): Promise<number> {
    const n = this.db.prepare('DELETE FROM bindings WHERE expires_at <= ?').run(now).changes;
    for (const [aor, list] of this.byAor) {
      const live = list.filter((b) => b.expiresAt > now);
      if (live.length === 0) this.byAor.delete(aor);
      else if (live.length !== list.length) this.byAor.set(aor, live);
    }
    return n;
  }

  async count(now: number): Promise<number> {
    let n = 0;
    for (const list of this.byAor.values()) for (const b of list) if (b.expiresAt > now) n++;
    return n;
  }

  async aors(now: number): Promise<string[]> {
    const out: string[] = [];
    for (const [aor, list] of this.byAor) if (list.some((b) => b.expiresAt > now)) out.push(aor);
    return out;
  }
}

function toRow(b: Binding): Row {
  return {
    aor: b.aor,
    key: b.key,
    contact: b.contact,
    params: b.params,
    instance: b.instance,
    reg_id: b.regId,
    q: b.q,
    call_id: b.callId,
    cseq: b.cseq,
    expires_at: b.expiresAt,
    path: JSON.stringify(b.path),
    flow: b.flow ? JSON.stringify(b.flow) : null,
    updated_at: b.updatedAt,
  };
}

function fromRow(r: Row): Binding {
  return {
    aor: r.aor,
    key: r.key,
    contact: r.contact,
    params: r.params,
    instance: r.instance,
    regId: r.reg_id,
    q: r.q,
    callId: r.call_id,
    cseq: r.cseq,
    expiresAt: r.expires_at,
    path: JSON.parse(r.path) as string[],
    flow: r.flow ? (JSON.parse(r.flow) as BindingFlow) : null,
    updatedAt: r.updated_at,
  };
}
