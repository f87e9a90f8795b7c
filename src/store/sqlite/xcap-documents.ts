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

/** XcapDocuments on SQLite: one row per document; body and ETag change in one statement. */
export class SqliteXcapDocuments implements XcapDocuments {
  private readonly listeners = new Set<XcapChangeListener>();
  private readonly stmt;

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
      insert: db.prepare('INSERT INTO xcap_documents (auid, xui, path, body, etag) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      upsert: db.prepare(
        'INSERT INTO xcap_documents (auid, xui, path, body, etag) VALUES (?, ?, ?, ?, ?) ON CONFLICT (auid, xui, path) DO UPDATE SET body = excluded.body, etag = excluded.etag',
      ),
      update: db.prepare('UPDATE xcap_documents SET body = ?, etag = ? WHERE auid = ? AND xui = ? AND path = ? AND etag = ?'),
      del: db.prepare('DELETE FROM xcap_documents WHERE auid = ? AND xui = ? AND path = ?'),
      delIf: db.prepare('DELETE FROM xcap_documents WHERE auid = ? AND xui = ? AND path = ? AND etag = ?'),
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

  async put(doc: XcapDocumentRecord, expected: XcapExpectedEtag): Promise<XcapWriteResult> {
    const xui = doc.xui ?? '';
    // One transaction: the read of the old ETag and the write cannot interleave with another writer.
    const run = this.db.transaction((): XcapWriteResult => {
      const cur = this.stmt.etag.get(doc.auid, xui, doc.path)?.etag ?? null;
      if (expected === null && cur !== null) return { ok: false, currentEtag: cur };
      if (typeof expected === 'string' && cur !== expected) return { ok: false, currentEtag: cur };
      if (cur === null) this.stmt.insert.run(doc.auid, xui, doc.path, doc.body, doc.etag);
      else if (typeof expected === 'string') this.stmt.update.run(doc.body, doc.etag, doc.auid, xui, doc.path, expected);
      else this.stmt.upsert.run(doc.auid, xui, doc.path, doc.body, doc.etag);
      return { ok: true, previousEtag: cur };
    });
    const res = run.immediate();
    if (res.ok) this.emit({ auid: doc.auid, xui: doc.xui, document: doc.path, oldEtag: res.previousEtag, newEtag: doc.etag });
    return res;
  }

  async delete(key: XcapDocumentKey, expected: XcapExpectedEtag): Promise<XcapWriteResult> {
    const xui = key.xui ?? '';
    const run = this.db.transaction((): XcapWriteResult => {
      const cur = this.stmt.etag.get(key.auid, xui, key.path)?.etag ?? null;
      if (cur === null) return { ok: false, currentEtag: null };
      if (typeof expected === 'string' && cur !== expected) return { ok: false, currentEtag: cur };
      if (expected === null) return { ok: false, currentEtag: cur };
      this.stmt.del.run(key.auid, xui, key.path);
      return { ok: true, previousEtag: cur };
    });
    const res = run.immediate();
    if (res.ok) this.emit({ auid: key.auid, xui: key.xui, document: key.path, oldEtag: res.previousEtag, newEtag: null });
    return res;
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
