import type {
  DeferredMessage,
  DeferredMessages,
  DeferredStoreOutcome,
  NewDeferredMessage,
} from '../deferred-messages.js';
import type { SqliteDatabase } from './open.js';

interface Row {
  seq: number;
  id: string;
  owner: string;
  sender: string;
  from_value: string;
  headers: string;
  body: Uint8Array;
  received_at: number;
  expires_at: number;
}

/**
 * Deferred messages in SQLite. `seq` keeps the order messages were stored
 * in; a delivery row per (message, device) says which devices gave a 2xx.
 * The database runs WAL with synchronous=NORMAL (open.ts): `store`
 * returns after the commit is written to the WAL file, so it survives
 * kill -9 of the server.
 */
export class SqliteDeferredMessages implements DeferredMessages {
  private readonly s;
  private readonly storeTx;
  /** Stored messages per owner (expired ones too, until purged): the answer to mayHold. */
  private readonly held = new Map<string, number>();

  constructor(private readonly db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS deferred_messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      owner TEXT NOT NULL,
      sender TEXT NOT NULL,
      from_value TEXT NOT NULL,
      headers TEXT NOT NULL,
      body BLOB NOT NULL,
      received_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`);
    db.exec('CREATE INDEX IF NOT EXISTS deferred_messages_by_owner ON deferred_messages (owner, seq)');
    db.exec('CREATE INDEX IF NOT EXISTS deferred_messages_by_expiry ON deferred_messages (expires_at)');
    db.exec(`CREATE TABLE IF NOT EXISTS deferred_deliveries (
      message_id TEXT NOT NULL REFERENCES deferred_messages (id) ON DELETE CASCADE,
      device TEXT NOT NULL,
      delivered_at INTEGER NOT NULL,
      PRIMARY KEY (message_id, device)
    ) WITHOUT ROWID`);
    const stored = 'id, owner, sender, from_value, headers, body, received_at, expires_at';
    const cols = `seq, ${stored}`;
    this.s = {
      count: db.prepare('SELECT count(*) AS n FROM deferred_messages WHERE owner = ? AND expires_at > ?'),
      countAll: db.prepare('SELECT count(*) AS n FROM deferred_messages WHERE expires_at > ?'),
      insert: db.prepare(`INSERT INTO deferred_messages (${stored})
        VALUES (@id, @owner, @sender, @from_value, @headers, @body, @received_at, @expires_at)`),
      list: db.prepare(`SELECT ${cols} FROM deferred_messages WHERE owner = ? AND expires_at > ? ORDER BY seq`),
      get: db.prepare(`SELECT ${cols} FROM deferred_messages WHERE owner = ? AND id = ? AND expires_at > ?`),
      pending: db.prepare(`SELECT ${cols} FROM deferred_messages m
        WHERE owner = ? AND seq > ? AND expires_at > ?
          AND NOT EXISTS (SELECT 1 FROM deferred_deliveries d WHERE d.message_id = m.id AND d.device = ?)
        ORDER BY seq LIMIT ?`),
      // One statement for a whole group of ids (a JSON array); ids of messages deleted meanwhile are skipped.
      mark: db.prepare(`INSERT OR IGNORE INTO deferred_deliveries (message_id, device, delivered_at)
        SELECT m.id, ?, ? FROM json_each(?) j JOIN deferred_messages m ON m.id = j.value`),
      deliveredToAll: db.prepare(`SELECT message_id AS id FROM deferred_deliveries
        WHERE message_id IN (SELECT value FROM json_each(?)) AND device IN (SELECT value FROM json_each(?))
        GROUP BY message_id HAVING count(*) = ?`),
      delete: db.prepare('DELETE FROM deferred_messages WHERE owner = ? AND id = ?'),
      purge: db.prepare('DELETE FROM deferred_messages WHERE expires_at <= ?'),
      owners: db.prepare('SELECT owner, count(*) AS n FROM deferred_messages GROUP BY owner'),
    };
    this.countOwners();
    // The quota check and the insert commit together, so two senders racing cannot both take the last slot.
    this.storeTx = db.transaction((msg: NewDeferredMessage, id: string, quota: number, now: number): DeferredStoreOutcome => {
      const { n } = this.s.count.get(msg.owner, now) as { n: number };
      if (n >= quota) return { stored: false, reason: 'quota' };
      this.s.insert.run({
        id,
        owner: msg.owner,
        sender: msg.sender,
        from_value: msg.from,
        headers: JSON.stringify(msg.headers),
        body: msg.body,
        received_at: msg.receivedAt,
        expires_at: msg.expiresAt,
      });
      return { stored: true, id };
    });
  }

  private countOwners(): void {
    this.held.clear();
    for (const r of this.s.owners.iterate() as IterableIterator<{ owner: string; n: number }>) this.held.set(r.owner, r.n);
  }

  mayHold(owner: string): boolean {
    return this.held.has(owner);
  }

  async store(msg: NewDeferredMessage, id: string, quota: number, now: number): Promise<DeferredStoreOutcome> {
    const outcome = this.storeTx(msg, id, quota, now);
    if (outcome.stored) this.held.set(msg.owner, (this.held.get(msg.owner) ?? 0) + 1);
    return outcome;
  }

  async list(owner: string, now: number): Promise<DeferredMessage[]> {
    return (this.s.list.all(owner, now) as Row[]).map(fromRow);
  }

  async get(owner: string, id: string, now: number): Promise<DeferredMessage | null> {
    const r = this.s.get.get(owner, id, now) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  async pendingFor(owner: string, device: string, now: number, limit = -1, after = 0): Promise<DeferredMessage[]> {
    if (!this.held.has(owner)) return [];
    return (this.s.pending.all(owner, after, now, device, limit) as Row[]).map(fromRow);
  }

  async markDelivered(device: string, ids: readonly string[], now: number): Promise<void> {
    if (ids.length > 0) this.s.mark.run(device, now, JSON.stringify(ids));
  }

  async deliveredToAll(ids: readonly string[], devices: readonly string[]): Promise<string[]> {
    const distinct = [...new Set(devices)];
    if (ids.length === 0 || distinct.length === 0) return [];
    const rows = this.s.deliveredToAll.all(JSON.stringify(ids), JSON.stringify(distinct), distinct.length) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  async delete(owner: string, id: string): Promise<boolean> {
    if (this.s.delete.run(owner, id).changes === 0) return false;
    const n = (this.held.get(owner) ?? 1) - 1;
    if (n > 0) this.held.set(owner, n);
    else this.held.delete(owner);
    return true;
  }

  async purgeExpired(now: number): Promise<number> {
    const n = this.s.purge.run(now).changes;
    if (n > 0) this.countOwners();
    return n;
  }

  async count(now: number, owner?: string): Promise<number> {
    const r = (owner === undefined ? this.s.countAll.get(now) : this.s.count.get(owner, now)) as { n: number };
    return r.n;
  }
}

// Most messages of a user carry the same few header lists (one Content-Type):
// parsed once and shared (they are read-only).
const headerCache = new Map<string, ReadonlyArray<readonly [string, string]>>();

function headersOf(text: string): ReadonlyArray<readonly [string, string]> {
  let h = headerCache.get(text);
  if (h === undefined) {
    h = JSON.parse(text) as Array<[string, string]>;
    if (headerCache.size >= 256) headerCache.clear();
    headerCache.set(text, h);
  }
  return h;
}

function fromRow(r: Row): DeferredMessage {
  return {
    seq: r.seq,
    id: r.id,
    owner: r.owner,
    sender: r.sender,
    from: r.from_value,
    headers: headersOf(r.headers),
    body: new Uint8Array(r.body.buffer, r.body.byteOffset, r.body.byteLength),
    receivedAt: r.received_at,
    expiresAt: r.expires_at,
  };
}
