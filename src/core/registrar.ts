import type { Binding, BindingFlow, Bindings } from '../store/bindings.js';
import { parseUint32 } from '../sip/cseq.js';
import { createResponse } from '../sip/response.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import type { ContactValue, NameAddr } from '../sip/name-addr.js';
import { aorOf, formatUri, isSipUri } from '../sip/uri.js';
import { SipParseError } from '../sip/parse-error.js';

export interface RegistrarOptions {
  readonly bindings: Bindings;
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly defaultExpires: number;
  readonly toTag: () => string;
  /** Told after every change of an AoR's bindings (for push of deferred messages, metrics...). */
  readonly onChange?: RegistrationListener;
}

/** Called after a REGISTER changed an AoR's bindings: all live bindings, and the ones added or refreshed. */
export type RegistrationListener = (aor: string, bindings: readonly Binding[], added: readonly Binding[]) => void;

export interface RegisterContext {
  /** The authenticated user's AoR key (aorOf of sip:user@domain). */
  readonly authenticatedAor: string;
  readonly flow: BindingFlow | null;
  readonly now: number;
}

/**
 * The registrar of RFC 3261 §10.3, with RFC 5626 §6 (instance and reg-id
 * bindings, flows), RFC 3327 (Path) and the binding-update rules of
 * §10.3 step 7 (Call-ID and CSeq ordering). Authentication happens before.
 * Requests to one AoR are processed one after the other, so two REGISTERs
 * racing cannot interleave their read and write.
 */
export class Registrar {
  private readonly opts: RegistrarOptions;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly listeners: RegistrationListener[] = [];

  constructor(opts: RegistrarOptions) {
    this.opts = opts;
    if (opts.onChange) this.listeners.push(opts.onChange);
  }

  /** Adds a listener for binding changes (the IM server's push, the reg event package...). */
  addChangeListener(fn: RegistrationListener): void {
    this.listeners.push(fn);
  }

  private changed(aor: string, bindings: readonly Binding[], added: readonly Binding[]): void {
    for (const fn of this.listeners) fn(aor, bindings, added);
  }

  async register(req: SipRequest, ctx: RegisterContext): Promise<SipResponse> {
    let to: NameAddr;
    try {
      to = req.to();
    } catch (e) {
      return bad(req, (e as SipParseError).reason);
    }
    // RFC 3261 §10.3 step 3: the To header field holds the AoR, a SIP or SIPS URI.
    if (!isSipUri(to.uri)) return bad(req, 'To must be a SIP or SIPS URI');
    const aor = aorOf(to.uri);
    // §10.3 step 5/6: the authenticated user may only change its own bindings.
    if (aor !== ctx.authenticatedAor) {
      return createResponse(req, 403, { reason: 'Not allowed to register this AoR', toTag: this.opts.toTag() });
    }
    const prev = this.queues.get(aor) ?? Promise.resolve();
    const run = prev.then(() => this.apply(req, aor, ctx));
    const tail = run.catch(() => undefined);
    this.queues.set(aor, tail);
    void tail.then(() => {
      if (this.queues.get(aor) === tail) this.queues.delete(aor);
    });
    return run;
  }

  private async apply(req: SipRequest, aor: string, ctx: RegisterContext): Promise<SipResponse> {
    const o = this.opts;
    let contacts: readonly ContactValue[];
    try {
      contacts = req.contacts();
    } catch (e) {
      return bad(req, (e as SipParseError).reason);
    }
    const callId = req.callId();
    const cseq = req.cseq().seq;
    const existing = await o.bindings.list(aor, ctx.now);
    const headerExpires = req.get('expires');
    const expiresHeader = headerExpires === undefined ? undefined : parseUint32(headerExpires);

    // §10.3 step 6: "*" needs Expires: 0 and no other contact.
    if (contacts.some((c) => c.star)) {
      if (contacts.length !== 1 || expiresHeader !== 0) return bad(req, 'Contact "*" needs Expires: 0 and no other contact');
      for (const b of existing) {
        if (b.callId === callId && cseq <= b.cseq) return bad(req, 'CSeq out of order');
      }
      await o.bindings.removeAll(aor);
      this.changed(aor, [], []);
      return this.ok(req, [], ctx.now);
    }

    const upserts: Binding[] = [];
    const removes: string[] = [];
    for (const c of contacts) {
      if (c.star) continue;
      const na = c as NameAddr;
      // RFC 3261 §10.2.1.1 / RFC 4475 scalar02: an unusable expires value counts as absent.
      const ep = na.params.get('expires');
      const paramExpires = ep === undefined || ep === null ? undefined : parseUint32(ep);
      let expires = paramExpires ?? expiresHeader ?? o.defaultExpires;
      if (expires > 0 && expires < o.minExpires) {
        return createResponse(req, 423, {
          toTag: o.toTag(),
          headers: [['Min-Expires', String(o.minExpires)]],
        });
      }
      if (expires > o.maxExpires) expires = o.maxExpires;
      const instance = na.params.get('+sip.instance') ?? null;
      const regIdText = na.params.get('reg-id');
      const regId = regIdText === undefined || regIdText === null ? null : parseUint32(regIdText) ?? null;
      const contact = formatUri(na.uri);
      // RFC 5626 §6: with an instance and reg-id the binding is the pair;
      // with only an instance the device (RFC 5627 §3.1); else the contact URI.
      const key = instance ? (regId !== null ? `${instance};reg-id=${regId}` : instance) : contact;
      const old = existing.find((b) => b.key === key);
      if (old && old.callId === callId && cseq <= old.cseq) return bad(req, 'CSeq out of order');
      if (expires === 0) {
        if (old) removes.push(key);
        continue;
      }
      const qText = na.params.get('q');
      const q = qText === undefined || qText === null ? null : Number(qText);
      if (q !== null && (!(q >= 0 && q <= 1) || Number.isNaN(q))) return bad(req, 'bad q value');
      const kept = na.params.clone().delete('expires').delete('q');
      upserts.push({
        aor,
        key,
        contact,
        params: kept.toString(),
        instance,
        regId,
        q,
        callId,
        cseq,
        expiresAt: ctx.now + expires * 1000,
        path: req.getAll('path'),
        flow: ctx.flow,
        updatedAt: ctx.now,
      });
    }
    // The same key twice in one request: the last one wins.
    const unique = new Map(upserts.map((b) => [b.key, b]));
    await o.bindings.update(aor, [...unique.values()], removes);
    const now = await o.bindings.list(aor, ctx.now);
    if (unique.size > 0 || removes.length > 0) this.changed(aor, now, [...unique.values()]);
    const res = this.ok(req, now, ctx.now);
    // RFC 5626 §6: a registrar that accepted reg-id bindings says so with Require: outbound.
    if ([...unique.values()].some((b) => b.regId !== null) && req.optionTags('Supported').includes('outbound')) {
      res.append('Require', 'outbound');
    }
    // RFC 3327 §5.3: the registrar returns the Path it stored when the UA supports it.
    if (req.has('path') && req.optionTags('Supported').includes('path')) {
      for (const p of req.getAll('path')) res.append('Path', p);
    }
    return res;
  }

  /** 200 listing every current binding with its remaining expires (RFC 3261 §10.3 step 8). */
  private ok(req: SipRequest, bindings: readonly Binding[], now: number): SipResponse {
    const res = createResponse(req, 200, { toTag: this.opts.toTag() });
    for (const b of bindings) {
      const left = Math.max(0, Math.round((b.expiresAt - now) / 1000));
      res.append('Contact', `<${b.contact}>${b.params};expires=${left}${b.q !== null ? `;q=${b.q}` : ''}`);
    }
    res.append('Date', new Date(now).toUTCString());
    return res;
  }
}

function bad(req: SipRequest, reason: string): SipResponse {
  return createResponse(req, 400, { reason });
}


/** The display form of a binding's contact with its parameters (for logs and the JSON API). */
export function bindingContact(b: Binding): string {
  return `<${b.contact}>${b.params}`;
}
