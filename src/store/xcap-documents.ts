/**
 * The XCAP documents the XDMS keeps: one record per document, its text and
 * its strong entity tag, changed together (RFC 4825 §8.5: "there is a single
 * etag for the entire document").
 */
export interface XcapDocumentKey {
  readonly auid: string;
  /** The owner's XUI, or null for the global tree. */
  readonly xui: string | null;
  /** Path below the XUI (or "global"), usually just the filename. */
  readonly path: string;
}

export interface XcapDocumentRecord extends XcapDocumentKey {
  readonly body: string;
  /** Quoted strong entity tag, e.g. "\"3f2a\"". */
  readonly etag: string;
}

/**
 * `expected`: undefined writes unconditionally; null requires that no
 * document exists; a string requires that the current ETag equals it.
 */
export type XcapExpectedEtag = string | null | undefined;

export type XcapWriteResult =
  | { readonly ok: true; readonly previousEtag: string | null }
  | { readonly ok: false; readonly currentEtag: string | null };

export interface XcapDocumentChange {
  readonly auid: string;
  readonly xui: string | null;
  readonly document: string;
  /** null when the document was created. */
  readonly oldEtag: string | null;
  /** null when the document was deleted. */
  readonly newEtag: string | null;
}

export type XcapChangeListener = (change: XcapDocumentChange) => void;

export interface XcapDocuments {
  get(key: XcapDocumentKey): Promise<XcapDocumentRecord | null>;
  /** The current ETag only (no body), or null; lets a reader use its parse cache. */
  etag(key: XcapDocumentKey): Promise<string | null>;
  /** Compare-and-swap write of body and ETag together. */
  put(doc: XcapDocumentRecord, expected: XcapExpectedEtag): Promise<XcapWriteResult>;
  delete(key: XcapDocumentKey, expected: XcapExpectedEtag): Promise<XcapWriteResult>;
  listByAuid(auid: string): Promise<XcapDocumentRecord[]>;
  listByUser(xui: string): Promise<XcapDocumentRecord[]>;
  /** Called after every committed change, whoever made it; returns an unsubscribe function. */
  onChange(listener: XcapChangeListener): () => void;
}
