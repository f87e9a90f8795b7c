import type { Clock, TimerHandle } from '../formats/clock.js';
import { parseXmlDocument } from '../formats/xml-parse.js';
import { attrValue, childElements, escapeAttr, escapeText, firstChild, serializeElement, textContent } from '../formats/xml-tree.js';
import type { XcapDocumentKey, XcapDocuments } from '../store/xcap-documents.js';
import { DEFERRED_LIST_AUID, DEFERRED_LIST_DOCUMENT, HISTORY_LIST_NS } from '../xdms/usages/deferred-list.js';

/** What the list says about one stored message (the <history> children, OMA IM digest §3.4). */
export interface DeferredListEntry {
  readonly id: string;
  /** The sender's AoR. */
  readonly from: string;
  readonly displayName: string | null;
  /** The recipient's AoR (the document's owner). */
  readonly to: string;
  readonly subject: string | undefined;
  /** Body size in octets. */
  readonly size: number;
  readonly receivedAt: number;
  readonly expiresAt: number;
}

export interface DeferredListMirrorOptions {
  readonly documents: XcapDocuments;
  readonly clock: Clock;
  /** Changes for one user within this delay are written in one document update (ms). */
  readonly delayMs?: number;
  /** A new strong entity tag, quoted. */
  readonly newEtag?: () => string;
  readonly onError?: (err: unknown) => void;
}

interface Pending {
  readonly add: Map<string, DeferredListEntry>;
  readonly remove: Set<string>;
  timer: TimerHandle | null;
}

/** Compare-and-swap attempts before a batch of changes is given up (another writer kept winning). */
const MAX_ATTEMPTS = 5;

/**
 * The user's deferred-messages list in the XDMS (OMA IM digest §3.4: the
 * user "can retrieve the list of deferred messages" over XCAP), AUID
 * org.openmobilealliance.deferred-list, document `deferred-list`, written
 * only by the IM server (the usage forbids the owner's PUT). One <history>
 * per stored message the user's devices have not all received; it goes
 * when they have, when the user deletes the message, or once it expired.
 *
 * The document is a view of the store, written after the store commits and
 * batched per user, so it never slows the 202 or a push; a crash between
 * the two can leave it behind the store until that user's next change.
 */
export class DeferredListMirror {
  private readonly pending = new Map<string, Pending>();
  private readonly writing = new Map<string, Promise<void>>();

  constructor(private readonly o: DeferredListMirrorOptions) {}

  added(owner: string, entry: DeferredListEntry): void {
    const p = this.pendingOf(owner);
    p.remove.delete(entry.id);
    p.add.set(entry.id, entry);
    this.schedule(owner, p);
  }

  removed(owner: string, ids: readonly string[]): void {
    if (ids.length === 0) return;
    const p = this.pendingOf(owner);
    for (const id of ids) {
      // Added and gone within one batch: the list never shows it.
      if (!p.add.delete(id)) p.remove.add(id);
    }
    this.schedule(owner, p);
  }

  /** Writes every pending change now; resolves when the documents are committed. */
  async flush(): Promise<void> {
    for (const owner of [...this.pending.keys()]) void this.write(owner);
    await Promise.all([...this.writing.values()]);
  }

  private pendingOf(owner: string): Pending {
    let p = this.pending.get(owner);
    if (p === undefined) {
      p = { add: new Map(), remove: new Set(), timer: null };
      this.pending.set(owner, p);
    }
    return p;
  }

  private schedule(owner: string, p: Pending): void {
    if (p.timer !== null) return;
    p.timer = this.o.clock.setTimeout(() => {
      p.timer = null;
      void this.write(owner);
    }, this.o.delayMs ?? 50);
  }

  /** One writer per user at a time; changes that arrive meanwhile go in the next write. */
  private write(owner: string): Promise<void> {
    const running = this.writing.get(owner);
    if (running) return running.then(() => (this.pending.has(owner) ? this.write(owner) : undefined));
    const p = this.pending.get(owner);
    if (p === undefined) return Promise.resolve();
    this.pending.delete(owner);
    if (p.timer !== null) this.o.clock.clearTimeout(p.timer);
    const done = this.apply(owner, p)
      .catch((e: unknown) => this.o.onError?.(e))
      .finally(() => this.writing.delete(owner));
    this.writing.set(owner, done);
    return done;
  }

  private async apply(owner: string, p: Pending): Promise<void> {
    const key: XcapDocumentKey = { auid: DEFERRED_LIST_AUID, xui: owner, path: DEFERRED_LIST_DOCUMENT };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.o.documents.get(key);
      if (current === null && p.add.size === 0) return;
      const body = updatedList(current?.body ?? null, p, this.o.clock.now());
      if (current !== null && body === current.body) return;
      // RFC 4825 §8.5: compare-and-swap on the ETag, so an owner's DELETE of an entry in between is kept.
      const r = await this.o.documents.put({ ...key, body, etag: (this.o.newEtag ?? newEtag)() }, current?.etag ?? null);
      if (r.ok) return;
    }
    throw new Error(`deferred-list of ${owner}: gave up after ${MAX_ATTEMPTS} conflicting writes`);
  }
}

/** The document after the changes: kept entries as they were, expired ones dropped, new ones appended. */
export function updatedList(current: string | null, changes: { add: ReadonlyMap<string, DeferredListEntry>; remove: ReadonlySet<string> }, now: number): string {
  const kept: string[] = [];
  const present = new Set<string>();
  if (current !== null) {
    try {
      const root = parseXmlDocument(current).root;
      for (const h of childElements(root, 'history', HISTORY_LIST_NS)) {
        const id = attrValue(h, 'id');
        if (id === undefined || changes.remove.has(id)) continue;
        const expiry = firstChild(h, 'expiry', HISTORY_LIST_NS);
        if (expiry && Date.parse(textContent(expiry)) <= now) continue;
        present.add(id);
        kept.push(serializeElement(h));
      }
    } catch {
      // Only the IM server writes this document; one that does not parse is rebuilt from the changes.
    }
  }
  for (const e of changes.add.values()) if (!present.has(e.id) && e.expiresAt > now) kept.push(historyElement(e));
  const items = kept.map((h) => `\n  ${h}`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<history-list xmlns="${HISTORY_LIST_NS}">${items}${items ? '\n' : ''}</history-list>\n`;
}

/** One <history> entry (src/xdms/schemas/deferred-list.xsd). */
export function historyElement(e: DeferredListEntry): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  let s = `<history id="${escapeAttr(e.id)}"><pager/><from>${escapeText(e.from)}</from>`;
  if (e.displayName) s += `<display-name>${escapeText(e.displayName)}</display-name>`;
  s += `<to>${escapeText(e.to)}</to>`;
  if (e.subject !== undefined) s += `<subject>${escapeText(e.subject)}</subject>`;
  s += `<date>${iso(e.receivedAt)}</date><size>${e.size}</size><expiry>${iso(e.expiresAt)}</expiry></history>`;
  return s;
}

let etagCounter = 0;

function newEtag(): string {
  etagCounter = (etagCounter + 1) % 0x100000;
  return `"im${Date.now().toString(36)}${etagCounter.toString(36)}-${globalThis.crypto.randomUUID().slice(0, 8)}"`;
}
