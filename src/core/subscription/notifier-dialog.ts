import type { Clock, TimerHandle } from '../../formats/clock.js';
import { Dialog } from '../../sip/dialog/dialog.js';
import { cryptoRandom, newTag, type RandomSource } from '../../sip/ids.js';
import type { SipRequest, SipResponse } from '../../sip/message.js';
import { createResponse } from '../../sip/response.js';
import type { TransactionLayer } from '../../sip/transaction/transaction-layer.js';
import type { Endpoint, Flow } from '../../sip/transport/types.js';
import { defaultPort, isSipUri } from '../../sip/uri.js';
import type { CoreHooks, LocalRequest } from '../sip-core.js';
import { eventId, eventType } from './event-header.js';

/**
 * The notifier side of SIP-specific event notification (RFC 6665 §4.2)
 * that every event package of the server shares: SUBSCRIBE outside a
 * dialog creates a subscription and its dialog (Dialog.asUas), requests
 * inside the dialog reach it through the core's `serviceRequest` (our
 * Contact is `sip:<prefix><random id>@<domain>`, not a user), refresh and
 * unsubscribe, expiry on the injected clock, and NOTIFYs sent one at a
 * time. What a package adds (who may subscribe, the body types, the state
 * and how it is rendered) comes through the `NotifierPackage` delegate.
 */
export interface NotifierPackage<T> {
  /** The event package name (RFC 6665 §8.2.1 Event header), e.g. "reg". */
  readonly event: string;
  /** User part prefix of our dialogs' Contact; must not be a user name of the domain. */
  readonly contactPrefix: string;
  /** Why a new SUBSCRIBE is refused with 403, or null when the originator may subscribe. */
  authorize(r: LocalRequest): string | null;
  /** Accept (406) and body type (415) checks of a new or refreshing SUBSCRIBE; null when acceptable. */
  check(req: SipRequest, toTag: string): SipResponse | null;
  /** The package state of a new subscription, or the response refusing it. */
  open(r: LocalRequest, toTag: string): { readonly state: T } | { readonly refuse: SipResponse };
  /** A refreshing SUBSCRIBE may change the state (a new filter); a response refuses it. */
  refresh?(sub: NotifierSubscription<T>, req: SipRequest): SipResponse | null;
  /**
   * The next NOTIFY's body: the full state, or what changed since the
   * last NOTIFY (null: nothing worth a NOTIFY). Called once per NOTIFY, in order.
   */
  render(sub: NotifierSubscription<T>, full: boolean): Promise<NotifyBody | null>;
  /** The subscription has ended (unsubscribed, timed out, a NOTIFY failed, closed): release its resources. */
  closed?(sub: NotifierSubscription<T>): void;
}

export interface NotifyBody {
  readonly contentType: string;
  readonly body: string;
}

export interface NotifierDialogsOptions {
  readonly layer: Pick<TransactionLayer, 'sendRequest'>;
  readonly clock: Clock;
  /** Our SIP domain: the host of the Contact our dialogs use. */
  readonly domain: string;
  readonly defaultExpires: number;
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly random?: RandomSource;
}

type EndReason = 'timeout' | 'noresource' | undefined;

/** One subscription (RFC 6665 §4.2) with its dialog and the package's state. */
export class NotifierSubscription<T> {
  timer: TimerHandle | undefined;
  expiresAt = 0;
  /** A NOTIFY is in flight: the next waits for its final response (one at a time, in order). */
  sending = false;
  fullStatePending = false;
  changesPending = false;
  terminated = false;

  constructor(
    readonly id: string,
    /** The subscribed resource: the target AoR of the SUBSCRIBE. */
    readonly target: string,
    readonly dialog: Dialog,
    readonly eventId: string | undefined,
    public state: T,
    public flow: Flow,
  ) {}
}

export class NotifierDialogs<T> {
  readonly hooks: CoreHooks;
  private readonly o: Required<Omit<NotifierDialogsOptions, 'random'>> & { random: RandomSource };
  private readonly subs = new Map<string, NotifierSubscription<T>>();

  constructor(
    opts: NotifierDialogsOptions,
    private readonly pkg: NotifierPackage<T>,
  ) {
    this.o = { random: cryptoRandom, ...opts };
    this.hooks = {
      beforeLocation: async (r) => this.subscribe(r),
      serviceRequest: async (r) => this.inDialog(r),
    };
  }

  /** Subscriptions now active (for tests and metrics). */
  get size(): number {
    return this.subs.size;
  }

  /** The active subscriptions. */
  subscriptions(): IterableIterator<NotifierSubscription<T>> {
    return this.subs.values();
  }

  /** The package's state changed for `sub`: a NOTIFY of the changes follows (merged while one is in flight). */
  changed(sub: NotifierSubscription<T>): void {
    sub.changesPending = true;
    this.pump(sub);
  }

  /** Drops every subscription without NOTIFYs (shutdown). */
  close(): void {
    for (const s of this.subs.values()) {
      if (s.timer !== undefined) this.o.clock.clearTimeout(s.timer);
      s.terminated = true;
      this.pkg.closed?.(s);
    }
    this.subs.clear();
  }

  // ---- SUBSCRIBE outside a dialog: a new subscription ------------------------

  private async subscribe(r: LocalRequest): Promise<boolean> {
    const req = r.request;
    if (req.method !== 'SUBSCRIBE' || eventType(req) !== this.pkg.event) return false;
    if (req.to().params.get('tag') !== undefined) return false;
    const forbidden = this.pkg.authorize(r);
    if (forbidden !== null) {
      r.tx.respond(createResponse(req, 403, { toTag: newTag(this.o.random), reason: forbidden }));
      return true;
    }
    const toTag = newTag(this.o.random);
    const early = this.checkSubscribe(req, toTag);
    if (early !== null) {
      r.tx.respond(early);
      return true;
    }
    const opened = this.pkg.open(r, toTag);
    if ('refuse' in opened) {
      r.tx.respond(opened.refuse);
      return true;
    }
    const raw = new Uint8Array(12);
    this.o.random(raw);
    const id = hex(raw);
    const contact = `<sip:${this.pkg.contactPrefix}${id}@${this.o.domain}>`;
    const expires = this.grantedExpires(req);
    const res = createResponse(req, 200, { toTag, headers: [['Contact', contact], ['Expires', String(expires)]] });
    let dialog: Dialog;
    try {
      dialog = Dialog.asUas(req, res, { localContact: contact, random: this.o.random });
    } catch {
      // No Contact in the SUBSCRIBE: RFC 6665 §4.1.2 requires one ("Contact ... MUST be present").
      r.tx.respond(createResponse(req, 400, { toTag, reason: 'Missing Contact' }));
      return true;
    }
    const sub = new NotifierSubscription(id, r.target, dialog, eventId(req), opened.state, r.incoming.flow);
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

  /** The package's 406/415 checks, then 423; shared by new and refreshing SUBSCRIBEs; null when acceptable. */
  private checkSubscribe(req: SipRequest, toTag: string): SipResponse | null {
    const refused = this.pkg.check(req, toTag);
    if (refused !== null) return refused;
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
    const prefix = this.pkg.contactPrefix;
    const user = isSipUri(req.uri) ? req.uri.user : null;
    if (user === null || !user.startsWith(prefix)) return false;
    const sub = this.subs.get(user.slice(prefix.length));
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
    if (eventType(req) !== this.pkg.event || eventId(req) !== sub.eventId) {
      // RFC 6665 §4.1.2.1 / §8.2.1: another package or id names another subscription.
      r.tx.respond(createResponse(req, 489, { headers: [['Allow-Events', this.pkg.event]] }));
      return true;
    }
    const verdict = sub.dialog.receiveRequest(req);
    if (!verdict.accept) {
      r.tx.respond(createResponse(req, verdict.status, { reason: verdict.reason }));
      return true;
    }
    const early = this.checkSubscribe(req, d.localTag) ?? this.pkg.refresh?.(sub, req) ?? null;
    if (early !== null) {
      r.tx.respond(early);
      return true;
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

  private arm(sub: NotifierSubscription<T>, seconds: number): void {
    if (sub.timer !== undefined) this.o.clock.clearTimeout(sub.timer);
    sub.expiresAt = this.o.clock.now() + seconds * 1000;
    // RFC 6665 §4.2.2: at expiry the notifier sends a NOTIFY with "terminated;reason=timeout".
    sub.timer = this.o.clock.setTimeout(() => this.end(sub, 'timeout'), seconds * 1000);
  }

  private queueFullState(sub: NotifierSubscription<T>): void {
    sub.fullStatePending = true;
    this.pump(sub);
  }

  /** Sends the next NOTIFY when none is in flight: full state if asked for, else the changes seen. */
  private pump(sub: NotifierSubscription<T>): void {
    if (sub.sending || sub.terminated) return;
    const full = sub.fullStatePending;
    if (!full && !sub.changesPending) return;
    sub.fullStatePending = false;
    sub.changesPending = false;
    sub.sending = true;
    this.pkg.render(sub, full).then(
      (body) => {
        if (sub.terminated) {
          sub.sending = false;
        } else if (body === null) {
          sub.sending = false;
          this.pump(sub);
        } else {
          this.send(sub, body, undefined);
        }
      },
      () => {
        sub.sending = false;
      },
    );
  }

  /** Ends a subscription with a final NOTIFY of the full state (reason timeout at expiry, none for an unsubscribe). */
  private end(sub: NotifierSubscription<T>, reason: EndReason): void {
    if (sub.terminated) return;
    this.drop(sub);
    this.pkg.render(sub, true).then(
      (body) => {
        if (body !== null) this.send(sub, body, reason ?? 'unsubscribed');
      },
      () => undefined,
    );
  }

  private drop(sub: NotifierSubscription<T>): void {
    if (sub.terminated) return;
    if (sub.timer !== undefined) this.o.clock.clearTimeout(sub.timer);
    sub.terminated = true;
    this.subs.delete(sub.id);
    this.pkg.closed?.(sub);
  }

  private send(sub: NotifierSubscription<T>, body: NotifyBody, final: EndReason | 'unsubscribed'): void {
    const left = Math.max(0, Math.ceil((sub.expiresAt - this.o.clock.now()) / 1000));
    // RFC 6665 §8.2.3: Subscription-State; a final NOTIFY carries "terminated" (with a reason, §4.1.3).
    const state = final === undefined ? `active;expires=${left}` : final === 'unsubscribed' ? 'terminated' : `terminated;reason=${final}`;
    const event = this.pkg.event;
    const notify = sub.dialog.createRequest('NOTIFY', {
      headers: [
        ['Event', sub.eventId === undefined ? event : `${event};id=${sub.eventId}`],
        ['Subscription-State', state],
        ['Content-Type', body.contentType],
      ],
      body: new TextEncoder().encode(body.body),
    });
    const done = (ok: boolean): void => {
      sub.sending = false;
      // RFC 6665 §4.2.2: a NOTIFY that fails with 481 (or times out) ends the subscription.
      if (!ok) this.drop(sub);
      else this.pump(sub);
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
  private destination(sub: NotifierSubscription<T>): Flow | Endpoint {
    if (sub.flow.reliable && sub.flow.open) return sub.flow;
    const t = sub.dialog.remoteTarget;
    if (!isSipUri(t)) return sub.flow;
    const transport = t.params.get('transport')?.toUpperCase();
    const protocol = t.scheme === 'sips' ? 'TLS' : transport === 'TCP' ? 'TCP' : transport === 'TLS' ? 'TLS' : sub.flow.reliable ? sub.flow.protocol : 'UDP';
    const host = t.host.startsWith('[') ? t.host.slice(1, -1) : t.host;
    return { protocol, address: host, port: t.port ?? defaultPort(t) };
  }
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
