import type { Clock } from '../formats/clock.js';
import { RESOURCE_LISTS_TYPE } from '../formats/resource-lists.js';
import { XCAP_DIFF_TYPE, buildXcapDiff, type XcapDiffDocument } from '../formats/xcap-diff.js';
import type { CoreHooks, LocalRequest } from '../core/sip-core.js';
import { acceptsType } from '../core/subscription/event-header.js';
import { essence } from '../formats/media-type.js';
import { NotifierDialogs, type NotifierSubscription, type NotifyBody } from '../core/subscription/notifier-dialog.js';
import type { RandomSource } from '../sip/ids.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { createResponse } from '../sip/response.js';
import type { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { XcapDocumentChange, XcapDocuments } from '../store/xcap-documents.js';
import { WatchError, documentSel, parseWatchSet, watches, type WatchSet } from './xcap-diff-watch.js';

/**
 * The xcap-diff event package's notifier (RFC 5875 over RFC 6665): a user
 * subscribes to their own XCAP documents and is told each document's ETag,
 * first all of them (full state), then each change as it commits, whoever
 * made it (the store's onChange sees the XCAP server and the IM server
 * alike). Notifications are document-level (RFC 5874 <document> elements
 * with previous and new ETags): a client that sees a new ETag fetches the
 * document, so it needs no patch support. The subscription dialogs are
 * the shared notifier's (src/core/subscription/notifier-dialog.ts).
 */
export interface XcapDiffNotifierOptions {
  readonly layer: Pick<TransactionLayer, 'sendRequest'>;
  readonly store: XcapDocuments;
  readonly clock: Clock;
  /** Our SIP domain: the host of the Contact our dialogs use. */
  readonly domain: string;
  /** The XCAP root as clients reach it (the xcap-diff `xcap-root`), e.g. "http://xcap.example.com/xcap"; read per NOTIFY. */
  readonly xcapRoot: string | (() => string);
  /** Path of the XCAP root on our HTTP server (default "/xcap"). */
  readonly rootPath?: string;
  readonly defaultExpires?: number;
  readonly minExpires?: number;
  readonly maxExpires?: number;
  readonly random?: RandomSource;
}

export const XCAP_DIFF_EVENT = 'xcap-diff';

/** What one xcap-diff subscription keeps besides its dialog. */
interface WatchState {
  watch: WatchSet;
  /** Changes seen since the last NOTIFY, by sel: the first previous ETag and the latest new one. */
  readonly changes: Map<string, { previous: string | null; latest: string | null }>;
}

type Sub = NotifierSubscription<WatchState>;

export class XcapDiffNotifier {
  readonly hooks: CoreHooks;
  private readonly o: Required<Omit<XcapDiffNotifierOptions, 'random' | 'layer' | 'clock' | 'domain'>>;
  private readonly dialogs: NotifierDialogs<WatchState>;
  private readonly offChange: () => void;

  constructor(opts: XcapDiffNotifierOptions) {
    this.o = { rootPath: '/xcap', defaultExpires: 3600, minExpires: 60, maxExpires: 86400, ...opts };
    this.dialogs = new NotifierDialogs<WatchState>(
      {
        layer: opts.layer,
        clock: opts.clock,
        domain: opts.domain,
        defaultExpires: this.o.defaultExpires,
        minExpires: this.o.minExpires,
        maxExpires: this.o.maxExpires,
        ...(opts.random === undefined ? {} : { random: opts.random }),
      },
      {
        event: XCAP_DIFF_EVENT,
        // The user part of our dialogs' Contact: "xcap-diff-" and the subscription's id.
        contactPrefix: 'xcap-diff-',
        // RFC 5875 §4: a user subscribes to their own documents; the core has authenticated the originator.
        authorize: (r) => (r.originator === null || r.originator !== r.target ? 'Only the owner may watch these documents' : null),
        check: (req, toTag) => this.check(req, toTag),
        open: (r, toTag) => this.open(r, toTag),
        refresh: (sub, req) => this.refresh(sub, req),
        render: (sub, full) => this.render(sub, full),
      },
    );
    this.offChange = opts.store.onChange((c) => this.changed(c));
    this.hooks = this.dialogs.hooks;
  }

  /** Subscriptions now active (for tests and metrics). */
  get size(): number {
    return this.dialogs.size;
  }

  close(): void {
    this.offChange();
    this.dialogs.close();
  }

  /** 406 and 415 checks shared by new and refreshing SUBSCRIBEs; null when acceptable. */
  private check(req: SipRequest, toTag: string): SipResponse | null {
    if (!acceptsType(req, XCAP_DIFF_TYPE)) {
      return createResponse(req, 406, { toTag, headers: [['Accept', XCAP_DIFF_TYPE]] });
    }
    const ct = req.contentType();
    if (req.body.length > 0 && (ct === undefined || essence(ct) !== RESOURCE_LISTS_TYPE)) {
      return createResponse(req, 415, { toTag, headers: [['Accept', RESOURCE_LISTS_TYPE]] });
    }
    return null;
  }

  private open(r: LocalRequest, toTag: string): { state: WatchState } | { refuse: SipResponse } {
    try {
      return { state: { watch: parseWatchSet(r.request.bodyText(), this.o.rootPath, r.target), changes: new Map() } };
    } catch (e) {
      if (!(e instanceof WatchError)) throw e;
      return { refuse: createResponse(r.request, e.status, { toTag, reason: e.message }) };
    }
  }

  /** A refresh with a body replaces the watch list. */
  private refresh(sub: Sub, req: SipRequest): SipResponse | null {
    if (req.body.length === 0) return null;
    try {
      sub.state.watch = parseWatchSet(req.bodyText(), this.o.rootPath, sub.target);
      return null;
    } catch (e) {
      if (!(e instanceof WatchError)) throw e;
      return createResponse(req, e.status, { reason: e.message });
    }
  }

  private changed(c: XcapDocumentChange): void {
    if (c.xui === null) return;
    const key = { auid: c.auid, xui: c.xui, path: c.document };
    for (const sub of this.dialogs.subscriptions()) {
      if (!watches(sub.state.watch, sub.target, key)) continue;
      const sel = documentSel(key);
      const prior = sub.state.changes.get(sel);
      sub.state.changes.set(sel, { previous: prior === undefined ? c.oldEtag : prior.previous, latest: c.newEtag });
      this.dialogs.changed(sub);
    }
  }

  /** Full state: every watched document's ETag; otherwise the changes seen since the last NOTIFY. */
  private async render(sub: Sub, full: boolean): Promise<NotifyBody | null> {
    const changes = sub.state.changes;
    const docs: XcapDiffDocument[] = [];
    if (full) {
      changes.clear();
      for (const rec of await this.o.store.listByUser(sub.target)) {
        if (watches(sub.state.watch, sub.target, rec)) docs.push({ kind: 'document', sel: documentSel(rec), newEtag: rec.etag });
      }
    } else {
      for (const [sel, ch] of changes) {
        if (ch.previous === ch.latest) continue;
        docs.push({
          kind: 'document',
          sel,
          ...(ch.latest === null ? {} : { newEtag: ch.latest }),
          ...(ch.previous === null ? {} : { previousEtag: ch.previous }),
        });
      }
      changes.clear();
      if (docs.length === 0) return null;
    }
    const root = typeof this.o.xcapRoot === 'string' ? this.o.xcapRoot : this.o.xcapRoot();
    return { contentType: XCAP_DIFF_TYPE, body: buildXcapDiff(root, docs) };
  }
}
