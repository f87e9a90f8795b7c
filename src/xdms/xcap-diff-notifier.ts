import type { Clock, TimerHandle } from '../formats/clock.js';
import { RESOURCE_LISTS_TYPE } from '../formats/resource-lists.js';
import { XCAP_DIFF_TYPE, buildXcapDiff, type XcapDiffDocument } from '../formats/xcap-diff.js';
import type { CoreHooks, LocalRequest } from '../core/sip-core.js';
import { Dialog } from '../sip/dialog/dialog.js';
import { cryptoRandom, newTag, type RandomSource } from '../sip/ids.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { createResponse } from '../sip/response.js';
import type { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { Endpoint, Flow } from '../sip/transport/types.js';
import { defaultPort, isSipUri } from '../sip/uri.js';
import type { XcapDocumentChange, XcapDocuments } from '../store/xcap-documents.js';
import { WatchError, documentSel, parseWatchSet, watches, type WatchSet } from './xcap-diff-watch.js';

/**
 * The xcap-diff event package's notifier (RFC 5875 over RFC 6665): a user
 * subscribes to their own XCAP documents and is told each document's ETag,
 * first all of them (full state), then each change as it commits, whoever
 * made it (the store's onChange sees the XCAP server and the IM server
 * alike). Notifications are document-level (RFC 5874 <document> elements
 * with previous and new ETags): a client that sees a new ETag fetches the
 * document, so it needs no patch support.
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
/** The user part of our dialogs' Contact: "xcap-diff-" and the subscription's id. */
const CONTACT_PREFIX = 'xcap-diff-';

type NotifyReason = 'timeout' | 'noresource' | undefined;

class Subscription {
  timer: TimerHandle | undefined;
  expiresAt = 0;
  /** A NOTIFY is in flight: the next waits for its final response (one at a time, in order). */
  sending = false;
  /** Changes seen since the last NOTIFY, by sel: the first previous ETag and the latest new one. */
  readonly changes = new Map<string, { previous: string | null; latest: string | null }>();
  fullStatePending = false;
  terminated = false;

  constructor(
    readonly id: string,
    readonly xui: string,
    readonly dialog: Dialog,
    readonly eventId: string | undefined,
    public watch: WatchSet,
    public flow: Flow,
  ) {}
}

export class XcapDiffNotifier {
  readonly hooks: CoreHooks;
  private readonly o: Required<Omit<XcapDiffNotifierOptions, 'random'>> & { random: RandomSource };
  private readonly subs = new Map<string, Subscription>();
  private readonly offChange: () => void;

  constructor(opts: XcapDiffNotifierOptions) {
    this.o = { rootPath: '/xcap', defaultExpires: 3600, minExpires: 60, maxExpires: 86400, random: cryptoRandom, ...opts };
    this.offChange = opts.store.onChange((c) => this.changed(c));
    this.hooks = {
      beforeLocation: async (r) => this.subscribe(r),
      serviceRequest: async (r) => this.inDialog(r),
    };
  }

  /** Subscriptions now active (for tests and metrics). */
  get size(): number {
    return this.subs.size;
  }

  close(): void {
    this.offChange();
    for (const s of this.subs.values()) if (s.timer !== undefined) this.o.clock.clearTimeout(s.timer);
    this.subs.clear();
  }

  // ---- SUBSCRIBE outside a dialog: a new subscription ------------------------

  private async subscribe(r: LocalRequest): Promise<boolean> {
    const req = r.request;
    if (req.method !== 'SUBSCRIBE' || eventType(req) !== XCAP_DIFF_EVENT) return false;
    if (req.to().params.get('tag') !== undefined) return false;
    // RFC 5875 §4: a user subscribes to their own documents; the core has authenticated the originator.
    if (r.originator === null || r.originator !== r.target) {
      r.tx.respond(createResponse(req, 403, { toTag: newTag(this.o.random), reason: 'Only the owner may watch these documents' }));
      return true;
    }
    const early = this.checkSubscribe(req);
    if (early !== null) {
      r.tx.respond(early);
      return true;
    }
    let watch: WatchSet;
    try {
      watch = parseWatchSet(req.bodyText(), this.o.rootPath, r.target);
    } catch (e) {
      if (!(e instanceof WatchError)) throw e;
      r.tx.respond(createResponse(req, e.status, { toTag: newTag(this.o.random), reason: e.message }));
      return true;
    }
    const raw = new Uint8Array(12);
    this.o.random(raw);
    const id = hex(raw);
    const expires = this.grantedExpires(req);
    const res = createResponse(req, 200, {
      toTag: newTag(this.o.random),
      headers: [
        ['Contact', `<sip:${CONTACT_PREFIX}${id}@${this.o.domain}>`],
        ['Expires', String(expires)],
      ],
    });
    let dialog: Dialog;
    try {
      dialog = Dialog.asUas(req, res, { localContact: `<sip:${CONTACT_PREFIX}${id}@${this.o.domain}>`, random: this.o.random });
    } catch {
      // No Contact in the SUBSCRIBE: RFC 6665 §4.1.2 requires one ("Contact ... MUST be present").
      r.tx.respond(createResponse(req, 400, { toTag: newTag(this.o.random), reason: 'Missing Contact' }));
      return true;
    }
    const sub = new Subscription(id, r.target, dialog, eventId(req), watch, r.incoming.flow);
    this.subs.set(id, sub);
    r.tx.respond(res);
    if (expires === 0) {
      // RFC 6665 §4.4.3: Expires 0 outside a dialog fetches the state once: one final NOTIFY.
      this.end(sub, undefined);
      return true;
    }
    this.arm(sub, expires);
    // RFC 6665 §4.2.1.2: "the notifier MUST also send a NOTIFY request" right after accepting.
    this.queueFullState(sub);
    return true;
  }

  /** 489, 406, 415 and 423 checks shared by new and refreshing SUBSCRIBEs; null when acceptable. */
  private checkSubscribe(req: SipRequest): SipResponse | null {
    const toTag = req.to().params.get('tag') ?? newTag(this.o.random);
    const accept = req.getAll('accept');
    if (accept.length > 0 && !accept.some((a) => /^\s*(application\/xcap-diff\+xml|application\/\*|\*\/\*)\s*(;|$)/i.test(a))) {
      return createResponse(req, 406, { toTag, headers: [['Accept', XCAP_DIFF_TYPE]] });
    }
    const ct = req.contentType();
    if (req.body.length > 0 && (ct === undefined || `${ct.type}/${ct.subtype}`.toLowerCase() !== RESOURCE_LISTS_TYPE)) {
      return createResponse(req, 415, { toTag, headers: [['Accept', RESOURCE_LISTS_TYPE]] });
    }
    const e = req.expires();
    // RFC 6665 §4.2.1.1: a too-short interval gets 423 with Min-Expires; 0 (unsubscribe) is always allowed.
    if (e !== undefined && e > 0 && e < this.o.minExpires) {
      return createResponse(req, 423, { toTag, headers: [['Min-Expires', String(this.o.minExpires)]] });
    }
    return null;
  }

  private grantedExpires(req: SipRequest): number {
    const e = req.expires();
    // RFC 6665 §4.2.1.1: the notifier may shorten the interval, never lengthen it.
    return Math.min(e ?? this.o.defaultExpires, this.o.maxExpires);
  }

  // ---- requests inside a subscription's dialog ------------------------------

  private async inDialog(r: LocalRequest): Promise<boolean> {
    const req = r.request;
    const user = isSipUri(req.uri) ? req.uri.user : null;
    if (user === null || !user.startsWith(CONTACT_PREFIX)) return false;
    const sub = this.subs.get(user.slice(CONTACT_PREFIX.length));
    const d = sub?.dialog.id;
    // RFC 3261 §12.2.2: a request that matches no dialog gets 481.
    if (sub === undefined || d === undefined || req.callId() !== d.callId || req.from().params.get('tag') !== d.remoteTag || req.to().params.get('tag') !== d.localTag) {
      if (req.method !== 'ACK') r.tx.respond(createResponse(req, 481));
      return true;
    }
    if (req.method !== 'SUBSCRIBE') {
      r.tx.respond(createResponse(req, 405, { headers: [['Allow', 'SUBSCRIBE']] }));
      return true;
    }
    if (eventType(req) !== XCAP_DIFF_EVENT || eventId(req) !== sub.eventId) {
      // RFC 6665 §4.1.2.1 / §8.2.1: another package or id names another subscription.
      r.tx.respond(createResponse(req, 489, { headers: [['Allow-Events', XCAP_DIFF_EVENT]] }));
      return true;
    }
    const verdict = sub.dialog.receiveRequest(req);
    if (!verdict.accept) {
      r.tx.respond(createResponse(req, verdict.status, { reason: verdict.reason }));
      return true;
    }
    const early = this.checkSubscribe(req);
    if (early !== null) {
      r.tx.respond(early);
      return true;
    }
    if (req.body.length > 0) {
      try {
        sub.watch = parseWatchSet(req.bodyText(), this.o.rootPath, sub.xui);
      } catch (e) {
        if (!(e instanceof WatchError)) throw e;
        r.tx.respond(createResponse(req, e.status, { reason: e.message }));
        return true;
      }
    }
    sub.flow = r.incoming.flow;
    const expires = this.grantedExpires(req);
    r.tx.respond(createResponse(req, 200, { headers: [['Contact', sub.dialog.localContact!], ['Expires', String(expires)]] }));
    if (expires === 0) {
      // RFC 6665 §4.2.1.4: an unsubscribe is answered with a final NOTIFY, "terminated".
      this.end(sub, undefined);
    } else {
      this.arm(sub, expires);
      // RFC 6665 §4.2.1.2: a refresh is followed by a NOTIFY with the full state.
      this.queueFullState(sub);
    }
    return true;
  }

  // ---- state and NOTIFYs ----------------------------------------------------

  private arm(sub: Subscription, seconds: number): void {
    if (sub.timer !== undefined) this.o.clock.clearTimeout(sub.timer);
    sub.expiresAt = this.o.clock.now() + seconds * 1000;
    // RFC 6665 §4.2.2: at expiry the notifier sends a NOTIFY with "terminated;reason=timeout".
    sub.timer = this.o.clock.setTimeout(() => this.end(sub, 'timeout'), seconds * 1000);
  }

  private changed(c: XcapDocumentChange): void {
    if (c.xui === null) return;
    const key = { auid: c.auid, xui: c.xui, path: c.document };
    for (const sub of this.subs.values()) {
      if (sub.terminated || !watches(sub.watch, sub.xui, key)) continue;
      const sel = documentSel(key);
      const prior = sub.changes.get(sel);
      sub.changes.set(sel, { previous: prior === undefined ? c.oldEtag : prior.previous, latest: c.newEtag });
      this.pump(sub);
    }
  }

  private queueFullState(sub: Subscription): void {
    sub.fullStatePending = true;
    this.pump(sub);
  }

  /** Sends the next NOTIFY when none is in flight: full state if asked for, else the changes seen. */
  private pump(sub: Subscription): void {
    if (sub.sending || sub.terminated) return;
    if (sub.fullStatePending) {
      sub.fullStatePending = false;
      sub.changes.clear();
      sub.sending = true;
      void this.fullState(sub).then(
        (docs) => this.send(sub, docs, undefined),
        () => {
          sub.sending = false;
        },
      );
      return;
    }
    if (sub.changes.size === 0) return;
    const docs: XcapDiffDocument[] = [];
    for (const [sel, ch] of sub.changes) {
      if (ch.previous === ch.latest) continue;
      docs.push({
        kind: 'document',
        sel,
        ...(ch.latest === null ? {} : { newEtag: ch.latest }),
        ...(ch.previous === null ? {} : { previousEtag: ch.previous }),
      });
    }
    sub.changes.clear();
    if (docs.length === 0) return;
    sub.sending = true;
    this.send(sub, docs, undefined);
  }

  private async fullState(sub: Subscription): Promise<XcapDiffDocument[]> {
    const docs: XcapDiffDocument[] = [];
    for (const rec of await this.o.store.listByUser(sub.xui)) {
      if (watches(sub.watch, sub.xui, rec)) docs.push({ kind: 'document', sel: documentSel(rec), newEtag: rec.etag });
    }
    return docs;
  }

  /** Ends a subscription with a final NOTIFY (reason timeout at expiry, none for an unsubscribe). */
  private end(sub: Subscription, reason: NotifyReason): void {
    if (sub.terminated) return;
    if (sub.timer !== undefined) this.o.clock.clearTimeout(sub.timer);
    sub.terminated = true;
    this.subs.delete(sub.id);
    void this.fullState(sub).then((docs) => this.send(sub, docs, reason ?? 'unsubscribed'));
  }

  private send(sub: Subscription, docs: readonly XcapDiffDocument[], final: NotifyReason | 'unsubscribed'): void {
    const left = Math.max(0, Math.ceil((sub.expiresAt - this.o.clock.now()) / 1000));
    // RFC 6665 §8.2.3: Subscription-State; a final NOTIFY carries "terminated" (with a reason, §4.1.3).
    const state = final === undefined ? `active;expires=${left}` : final === 'unsubscribed' ? 'terminated' : `terminated;reason=${final}`;
    const notify = sub.dialog.createRequest('NOTIFY', {
      headers: [
        ['Event', sub.eventId === undefined ? XCAP_DIFF_EVENT : `${XCAP_DIFF_EVENT};id=${sub.eventId}`],
        ['Subscription-State', state],
        ['Content-Type', XCAP_DIFF_TYPE],
      ],
      body: new TextEncoder().encode(buildXcapDiff(typeof this.o.xcapRoot === 'string' ? this.o.xcapRoot : this.o.xcapRoot(), docs)),
    });
    const done = (ok: boolean): void => {
      sub.sending = false;
      if (!ok) {
        // RFC 6665 §4.2.2: a NOTIFY that fails with 481 (or times out) ends the subscription.
        if (!sub.terminated) {
          sub.terminated = true;
          if (sub.timer !== undefined) this.o.clock.clearTimeout(sub.timer);
          this.subs.delete(sub.id);
        }
        return;
      }
      this.pump(sub);
    };
    try {
      this.o.layer.sendRequest(notify, this.destination(sub), {
        receiveResponse: (res) => {
          if (res.status >= 200) done(!(res.status === 481 || res.status === 408 || (res.status >= 500 && res.status !== 503)));
        },
        onRequestTimeout: () => done(false),
        onTransportError: () => done(false),
      });
    } catch {
      done(false);
    }
  }

  /**
   * Where NOTIFYs go: back over the flow the subscription (or its last
   * refresh) came on while that is a reliable connection still open;
   * otherwise to the remote target, RFC 3261 §12.2.1.1.
   */
  private destination(sub: Subscription): Flow | Endpoint {
    if (sub.flow.reliable && sub.flow.open) return sub.flow;
    const t = sub.dialog.remoteTarget;
    if (!isSipUri(t)) return sub.flow;
    const transport = t.params.get('transport')?.toUpperCase();
    const protocol = t.scheme === 'sips' ? 'TLS' : transport === 'TCP' ? 'TCP' : transport === 'TLS' ? 'TLS' : sub.flow.reliable ? sub.flow.protocol : 'UDP';
    const host = t.host.startsWith('[') ? t.host.slice(1, -1) : t.host;
    return { protocol, address: host, port: t.port ?? defaultPort(t) };
  }
}

/** The event type of the Event header (RFC 6665 §8.2.1), without parameters. */
function eventType(req: SipRequest): string | undefined {
  const v = req.get('event');
  return v?.split(';')[0]!.trim();
}

function eventId(req: SipRequest): string | undefined {
  const v = req.get('event');
  return v === undefined ? undefined : /;\s*id\s*=\s*([^;\s]+)/i.exec(v)?.[1];
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
