import type { SqliteDatabase } from './open.js';
import type {
  XcapChangeListener,
  XcapDocumentChange,
  XcapDocumentKey,
  XcapDocumentRecord,
  XcapDocuments,
  XcapExpectedEtag,
  XcapWriteResult,
} from '../xcap-documents.js';

interface Row {
  auid: string;
  xui: string;
  path: string;
  body: string;
  etag: string;
}

// The global tree is stored with xui '' so the primary key needs no NULL handling.
function toRecord(r: Row): XcapDocumentRecord {
  return { auid: r.auid, xui: r.xui === '' ? null : r.xui, path: r.path, body: r.body, etag: r.etag };
}

interface QueuedWrite {
  readonly key: XcapDocumentKey;
  /** null: a delete. */
  readonly doc: XcapDocumentRecord | null;
  readonly expected: XcapExpectedEtag;
  resolve(r: XcapWriteResult): void;
  reject(e: unknown): void;
}

/** XcapDocuments on SQLite: one row per document; body and ETag change in one statement. */
export class SqliteXcapDocuments implements XcapDocuments {
  private readonly listeners = new Set<XcapChangeListener>();
  private readonly stmt;
  private queue: QueuedWrite[] = [];

  constructor(private readonly db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS xcap_documents (
      auid TEXT NOT NULL,
      xui TEXT NOT NULL,
      path TEXT NOT NULL,
      body TEXT NOT NULL,
      etag TEXT NOT NULL,
      PRIMARY KEY (auid, xui, path)
    ) WITHOUT ROWID`);
    db.exec('CREATE INDEX IF NOT EXISTS xcap_documents_by_user ON xcap_documents (xui)');
    this.stmt = {
      get: db.prepare<[string, string, string], Row>('SELECT * FROM xcap_documents WHERE auid = ? AND xui = ? AND path = ?'),
      etag: db.prepare<[string, string, string], { etag: string }>('SELECT etag FROM xcap_documents WHERE auid = ? AND xui = ? AND path = ?'),
      upsert: db.prepare(
        'INSERT INTO xcap_documents (auid, xui, path, body, etag) VALUES (?, ?, ?, ?, ?) ON CONFLICT (auid, xui, path) DO UPDATE SET body = excluded.body, etag = excluded.etag',
      ),
      del: db.prepare('DELETE FROM xcap_documents WHERE auid = ? AND xui = ? AND path = ?'),
      byAuid: db.prepare<[string], Row>('SELECT * FROM xcap_documents WHERE auid = ? ORDER BY xui, path'),
      byUser: db.prepare<[string], Row>('SELECT * FROM xcap_documents WHERE xui = ? ORDER BY auid, path'),
    };
  }

  async get(key: XcapDocumentKey): Promise<XcapDocumentRecord | null> {
    const r = this.stmt.get.get(key.auid, key.xui ?? '', key.path);
    return r === undefined ? null : toRecord(r);
  }

  async etag(key: XcapDocumentKey): Promise<string | null> {
    return this.stmt.etag.get(key.auid, key.xui ?? '', key.path)?.etag ?? null;
  }

  /**
   * Group commit: writes queued in one turn of the event loop commit in one
   * transaction, so one WAL write (synchronous=NORMAL, see open.ts) covers them all. The
   * promise settles after that commit: an acknowledged write is durable.
   * Each write is still a compare-and-swap, applied in call order, so a
   * write that expects the ETag of an earlier write in the same batch sees it.
   */
  put(doc: XcapDocumentRecord, expected: XcapExpectedEtag): Promise<XcapWriteResult> {
    return this.enqueue({ key: doc, doc, expected });
  }

  delete(key: XcapDocumentKey, expected: XcapExpectedEtag): Promise<XcapWriteResult> {
    return this.enqueue({ key, doc: null, expected });
  }

  private enqueue(w: Omit<QueuedWrite, 'resolve' | 'reject'>): Promise<XcapWriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...w, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let results: XcapWriteResult[];
    try {
      results = this.commit(batch);
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    batch.forEach((w, i) => {
      const res = results[i]!;
      if (res.ok) {
        this.emit({ auid: w.key.auid, xui: w.key.xui, document: w.key.path, oldEtag: res.previousEtag, newEtag: w.doc?.etag ?? null });
      }
      w.resolve(res);
    });
  }

  /** Applies the batch in order in one transaction; each document's final state is written once. */
  private commit(batch: readonly QueuedWrite[]): XcapWriteResult[] {
    const run = this.db.transaction((): XcapWriteResult[] => {
      const state = new Map<string, { key: XcapDocumentKey; stored: string | null; etag: string | null; body: string | null }>();
      const results = batch.map((w): XcapWriteResult => {
        const xui = w.key.xui ?? '';
        const id = `${w.key.auid}\u0000${xui}\u0000${w.key.path}`;
        let s = state.get(id);
        if (s === undefined) {
          const stored = this.stmt.etag.get(w.key.auid, xui, w.key.path)?.etag ?? null;
          s = { key: w.key, stored, etag: stored, body: null };
          state.set(id, s);
        }
        const cur = s.etag;
        if (w.doc === null) {
          // delete: the document must exist; `expected` null (must not exist) can never hold.
          if (cur === null || w.expected === null || (typeof w.expected === 'string' && cur !== w.expected)) return { ok: false, currentEtag: cur };
          s.etag = null;
          s.body = null;
          return { ok: true, previousEtag: cur };
        }
        if (w.expected === null && cur !== null) return { ok: false, currentEtag: cur };
        if (typeof w.expected === 'string' && cur !== w.expected) return { ok: false, currentEtag: cur };
        s.etag = w.doc.etag;
        s.body = w.doc.body;
        return { ok: true, previousEtag: cur };
      });
      for (const s of state.values()) {
        if (s.etag === s.stored) continue;
        const xui = s.key.xui ?? '';
        if (s.etag === null) this.stmt.del.run(s.key.auid, xui, s.key.path);
        else this.stmt.upsert.run(s.key.auid, xui, s.key.path, s.body!, s.etag);
      }
      return results;
    });
    return run.immediate();
  }

  async listByAuid(auid: string): Promise<XcapDocumentRecord[]> {
    return this.stmt.byAuid.all(auid).map(toRecord);
  }

  async listByUser(xui: string): Promise<XcapDocumentRecord[]> {
    return this.stmt.byUser.all(xui).map(toRecord);
  }

  onChange(listener: XcapChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: XcapDocumentChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A listener's failure must not undo or fail a committed write.
      }
    }
  }
}
