import { flattenEntries, readResourceLists } from '../formats/resource-lists.js';
import { XmlSyntaxError } from '../formats/xml-parse.js';
import type { XcapDocumentKey } from '../store/xcap-documents.js';

/**
 * What an xcap-diff subscription watches (RFC 5875 §4): the entries of the
 * SUBSCRIBE's resource-lists body, each an XCAP document URI or a
 * collection URI (ending in "/"), relative to the XCAP root or absolute.
 * An empty body means every document of the subscriber (our choice, in
 * docs/decisions.md). Only the subscriber's own home directory may be
 * watched.
 */
export interface WatchEntry {
  readonly auid: string;
  /** Document path below the XUI; null for the whole collection of the AUID. */
  readonly path: string | null;
}

export type WatchSet = { readonly all: true } | { readonly all: false; readonly entries: readonly WatchEntry[] };

export class WatchError extends Error {
  constructor(
    readonly status: 400 | 403,
    reason: string,
  ) {
    super(reason);
    this.name = 'WatchError';
  }
}

/** Reads the watch list; `root` is the XCAP root path (e.g. "/xcap"), `xui` the subscriber. */
export function parseWatchSet(body: string, root: string, xui: string): WatchSet {
  if (body.trim() === '') return { all: true };
  let uris: string[];
  try {
    uris = readResourceLists(body).flatMap(flattenEntries);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new WatchError(400, 'the resource-lists body is not well-formed');
    throw e;
  }
  return { all: false, entries: uris.map((u) => watchEntry(u, root, xui)) };
}

function watchEntry(uri: string, root: string, xui: string): WatchEntry {
  let path = uri;
  const abs = /^https?:\/\/[^/]*(\/.*)?$/i.exec(uri);
  if (abs !== null) path = abs[1] ?? '/';
  if (path.startsWith('/')) {
    const prefix = root.endsWith('/') ? root : `${root}/`;
    if (!path.startsWith(prefix)) throw new WatchError(403, `${uri} is not under the XCAP root`);
    path = path.slice(prefix.length);
  }
  const parts = path.split('/').map((p) => decodeURIComponent(p));
  // auid / "users" / xui / document path (empty for the collection, RFC 5875 §4.1)
  if (parts.length < 3 || parts[0] === '') throw new WatchError(400, `${uri} is not an XCAP document or collection URI`);
  if (parts[1] !== 'users' || parts[2] !== xui) throw new WatchError(403, `${uri} is not in the subscriber's home directory`);
  const doc = parts.slice(3).join('/');
  return { auid: parts[0]!, path: doc === '' ? null : doc };
}

/** Does the watch set cover the document `key` of user `xui`? */
export function watches(set: WatchSet, xui: string, key: XcapDocumentKey): boolean {
  if (key.xui !== xui) return false;
  if (set.all) return true;
  return set.entries.some((e) => e.auid === key.auid && (e.path === null || e.path === key.path));
}

/** The xcap-diff `sel` of a document (RFC 5874 §4): its document selector, relative to the XCAP root. */
export function documentSel(key: XcapDocumentKey): string {
  return `${key.auid}/users/${key.xui}/${key.path}`;
}
