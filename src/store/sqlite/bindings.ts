import type { Binding, BindingFlow, Bindings } from '../bindings.js';
import { GroupCommit } from './group-commit.js';
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

const NO_PATH: readonly string[] = Object.freeze([]);
const NO_BINDINGS: readonly Binding[] = Object.freeze([]);

/**
 * Bindings in SQLite, fronted by an in-memory index of the live ones so
 * routing a request costs no query. Writes go to disk before the REGISTER
 * is answered, so bindings survive a restart; the REGISTERs of one event
 * loop turn share one commit (group-commit.ts), and the index takes a
 * change only once it is committed.
 *
 * The index is sized for a registrar with 100,000 contacts or more: an AoR
 * with one binding (the common case) maps to the binding itself, not to a
 * list; a binding's strings are its own (not slices of the REGISTER that
 * made it, which would keep the whole message alive); equal strings and
 * flows are shared.
 */
export class SqliteBindings implements Bindings {
  private readonly db: SqliteDatabase;
  private readonly byAor = new Map<string, Binding | Binding[]>();
  /** Flows by id: many bindings arrive over the same one (a proxy, an outbound flow). */
  private readonly flows = new Map<string, BindingFlow>();
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly deleteAorStmt;
  private readonly commits: GroupCommit;

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
    this.commits = new GroupCommit(db);
    // Row by row: all 100,000 rows at once would be a transient heap the size of the index.
    for (const r of db.prepare('SELECT * FROM bindings').iterate() as IterableIterator<Row>) {
      // Strings read from SQLite are already strings of their own.
      const b = this.own(fromRow(r), false);
      this.setList(b.aor, [...this.all(b.aor), b]);
    }
  }

  private all(aor: string): readonly Binding[] {
    const v = this.byAor.get(aor);
    return v === undefined ? NO_BINDINGS : Array.isArray(v) ? v : [v];
  }

  /** Files an AoR's bindings (a list the caller made and lets go of). */
  private setList(aor: string, list: Binding[]): void {
    if (list.length === 0) this.byAor.delete(aor);
    else this.byAor.set(list[0]!.aor, list.length === 1 ? list[0]! : list);
  }

  /** A copy of a binding for the index, made of strings of its own and shared pieces. */
  private own(b: Binding, fromMessage = true): Binding {
    const copy = fromMessage ? copyString : (s: string) => s;
    const contact = copy(b.contact);
    let flow = b.flow;
    if (flow !== null) {
      const known = this.flows.get(flow.id);
      if (known !== undefined && known.protocol === flow.protocol && known.address === flow.address && known.port === flow.port) flow = known;
      else {
        flow = { id: copy(flow.id), protocol: flow.protocol, address: copy(flow.address), port: flow.port };
        if (this.flows.size >= FLOW_CACHE) this.flows.clear();
        this.flows.set(flow.id, flow);
      }
    }
    return {
      aor: copy(b.aor),
      key: b.key === b.contact ? contact : copy(b.key),
      contact,
      params: copy(b.params),
      instance: b.instance === null ? null : copy(b.instance),
      regId: b.regId,
      q: b.q,
      callId: copy(b.callId),
      cseq: b.cseq,
      expiresAt: b.expiresAt,
      path: b.path.length === 0 ? NO_PATH : b.path.map(copy),
      flow,
      updatedAt: b.updatedAt,
    };
  }

  async list(aor: string, now: number): Promise<Binding[]> {
    const v = this.byAor.get(aor);
    if (v === undefined) return [];
    if (!Array.isArray(v)) return v.expiresAt > now ? [v] : [];
    return v.filter((b) => b.expiresAt > now);
  }

  update(aor: string, upserts: readonly Binding[], removeKeys: readonly string[]): Promise<void> {
    return this.commits.write(
      () => {
        for (const b of upserts) this.upsertStmt.run(toRow(b));
        for (const k of removeKeys) this.deleteStmt.run(aor, k);
      },
      () => {
        const list = this.all(aor).filter((b) => !removeKeys.includes(b.key));
        for (const u of upserts) {
          const b = this.own(u);
          const i = list.findIndex((x) => x.key === b.key);
          if (i === -1) list.push(b);
          else list[i] = b;
        }
        this.setList(aor, list);
      },
    );
  }

  removeAll(aor: string): Promise<void> {
    return this.commits.write(
      () => this.deleteAorStmt.run(aor),
      () => this.byAor.delete(aor),
    );
  }

  async purgeExpired(now: number): Promise<number> {
    const n = this.db.prepare('DELETE FROM bindings WHERE expires_at <= ?').run(now).changes;
    for (const [aor, v] of this.byAor) {
      if (!Array.isArray(v)) {
        if (v.expiresAt <= now) this.byAor.delete(aor);
        continue;
      }
      const live = v.filter((b) => b.expiresAt > now);
      if (live.length !== v.length) this.setList(aor, live);
    }
    return n;
  }

  async count(now: number): Promise<number> {
    let n = 0;
    for (const v of this.byAor.values()) {
      if (!Array.isArray(v)) n += v.expiresAt > now ? 1 : 0;
      else for (const b of v) if (b.expiresAt > now) n++;
    }
    return n;
  }

  async aors(now: number): Promise<string[]> {
    const out: string[] = [];
    for (const [aor, v] of this.byAor) {
      if (Array.isArray(v) ? v.some((b) => b.expiresAt > now) : v.expiresAt > now) out.push(aor);
    }
    return out;
  }
}

const FLOW_CACHE = 10_000;

/**
 * A string of its own. Text taken from a parsed REGISTER is a slice (or a
 * concatenation of slices) of the whole message; kept for an hour in the
 * index, it would keep that message's text alive with it. V8 copies a
 * string shorter than 13 characters instead of slicing it.
 */
function copyString(s: string): string {
  // Flattening a fresh concatenation copies the characters into a new string;
  // the slice then points into that copy, never into the message.
  return s.length < 13 ? s : `${s} `.slice(0, -1);
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
    path: r.path === '[]' ? NO_PATH : (JSON.parse(r.path) as string[]),
    flow: r.flow ? (JSON.parse(r.flow) as BindingFlow) : null,
    updatedAt: r.updated_at,
  };
}
