import type { XmlDocumentTree } from '../formats/xml-tree.js';

/**
 * Parsed documents keyed by document and ETag. Parsing a 1,000-entry list
 * costs milliseconds; a cached tree lets GETs select in microseconds. An
 * entry is taken out while a write mutates its tree and put back under the
 * new ETag once the write commits, so readers never see uncommitted state.
 */
export class DocumentCache {
  private readonly map = new Map<string, { etag: string; tree: XmlDocumentTree }>();

  constructor(private readonly max = 256) {}

  get(key: string, etag: string): XmlDocumentTree | undefined {
    const e = this.map.get(key);
    if (e === undefined || e.etag !== etag) return undefined;
    // Refresh LRU position.
    this.map.delete(key);
    this.map.set(key, e);
    return e.tree;
  }

  /** Removes and returns the tree for exclusive mutation. */
  take(key: string, etag: string): XmlDocumentTree | undefined {
    const e = this.map.get(key);
    this.map.delete(key);
    return e !== undefined && e.etag === etag ? e.tree : undefined;
  }

  set(key: string, etag: string, tree: XmlDocumentTree): void {
    this.map.delete(key);
    this.map.set(key, { etag, tree });
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
