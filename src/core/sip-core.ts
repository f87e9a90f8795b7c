import type { Logger } from 'pino';
import type { Binding, Bindings } from '../store/bindings.js';
import type { Users } from '../store/users.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { SipParseError } from '../sip/parse-error.js';
import { createResponse, responseFromFields } from '../sip/response.js';
import { newTag, newBranch } from '../sip/ids.js';
import type { ServerInviteTransaction } from '../sip/transaction/server-invite-transaction.js';
import type { ServerNonInviteTransaction } from '../sip/transaction/server-non-invite-transaction.js';
import type { AnyServerTransaction, TransactionCore, TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { Endpoint, Flow, Incoming, SipTransport, TransportProtocol } from '../sip/transport/types.js';
import { aorOf, formatUri, isSipUri, parseUri, unescapeUriPart, type SipUri, type Uri } from '../sip/uri.js';
import { validateRequest } from '../sip/validate.js';
import { unbracket } from '../sip/transport/ip.js';
import { formatNameAddr } from '../sip/name-addr.js';
import { applyCallerPreferences, featureParams } from './caller-preferences.js';
import { DigestAuthenticator } from './digest-auth.js';
import type { LocalAddresses } from './local-addresses.js';
import { isLoop, loopBranch, loopHash } from './loop-detection.js';
import { nextHop, NextHopError, type HostResolver } from './next-hop.js';
import type { Registrar } from './registrar.js';
import { ResponseContext, type Branch, type ForkOutcome } from './response-context.js';

/** The transport as the core needs it: the contract plus flow lookup (RFC 5626 §5.3). */
export interface CoreTransport extends SipTransport {
  flowById(id: string): Flow | undefined;
}

/** Counters the core reports; the server maps them to /metrics. */
export interface CoreObserver {
  request?(method: string): void;
  response?(method: string, status: number): void;
  register?(outcome: 'ok' | 'challenge' | 'forbidden' | 'error'): void;
}

/** A request the core has authenticated and is about to route to a local user. */
export interface LocalRequest {
  readonly request: SipRequest;
  readonly tx: AnyServerTransaction;
  readonly incoming: Incoming;
  /** The authenticated originator's AoR (P-Asserted-Identity), or null for a request from another domain. */
  readonly originator: string | null;
  /** The target AoR key. */
  readonly target: string;
}

/** An authenticated request from one of our users, before it is routed anywhere. */
export interface OriginatingRequest {
  readonly request: SipRequest;
  readonly tx: AnyServerTransaction;
  readonly incoming: Incoming;
  /** The authenticated originator's AoR (P-Asserted-Identity). */
  readonly originator: string;
}

/**
 * Hooks where the IM server's participating and controlling functions
 * plug in (ARCHITECTURE.md: the core routes, the IM server decides).
 */
export interface CoreHooks {
  /** Out-of-dialog request from one of our users, after authentication: may take it (return true when it answered). */
  originating?(r: OriginatingRequest): Promise<boolean>;
  /** Picks the bindings to fork to instead of the core's caller-preference match (undefined: the core's own choice). */
  selectBindings?(r: LocalRequest, all: readonly Binding[]): readonly Binding[] | undefined;
  /** Before location: may take the request (return true when it answered). */
  beforeLocation?(r: LocalRequest): Promise<boolean>;
  /** No binding, or every branch failed: may answer instead of the failure (return the response, or undefined). */
  onUnreachable?(r: LocalRequest, failure: SipResponse): Promise<SipResponse | undefined>;
  /** The Request-URI is a service of ours (no such user): may take it (conference factory, group URIs...). */
  serviceRequest?(r: LocalRequest): Promise<boolean>;
}

export interface SipCoreOptions {
  readonly layer: TransactionLayer;
  readonly transport: CoreTransport;
  readonly local: LocalAddresses;
  readonly users: Users;
  readonly bindings: Bindings;
  readonly registrar: Registrar;
  readonly auth: DigestAuthenticator;
  readonly resolve: HostResolver;
  /** Static routes to other domains: domain → next-hop SIP URI. */
  readonly routes: Readonly<Record<string, string>>;
  readonly log: Logger;
  readonly observer?: CoreObserver;
  readonly hooks?: CoreHooks;
  readonly now?: () => number;
}

/** Methods a request to the server itself may use. */
const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE, PRACK';
const KNOWN_METHODS = new Set(ALLOW.split(', '));
/** Option tags we support as a UAS (registrar): RFC 3327 path, RFC 5626 outbound. */
const SUPPORTED = ['path', 'outbound'];
/** Methods that create a dialog and so get our Record-Route (RFC 3261 §16.6 step 4). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);
const SERVER_HEADER = 'IM-serv/OMA1.0 simpleim/0.1';

/**
 * The SIP/IP core: registrar, authentication, authenticated identity
 * (RFC 3325) and the stateful forking proxy (RFC 3261 §16) with location
 * lookup and caller preferences (RFC 3841). One short explicit route per
 * request, as Kamailio's request_route reads.
 */
export class SipCore implements TransactionCore {
  private readonly o: SipCoreOptions;
  private readonly contexts = new WeakMap<ServerInviteTransaction, ResponseContext>();
  /** Stream flows a user authenticated on with REGISTER (RFC 5626 §5: requests on them need no new challenge). */
  private readonly authenticatedFlows = new Map<string, string>();
  private readonly now: () => number;
  /** Where the IM server plugs in; set after construction by the composition root. */
  hooks: CoreHooks;

  constructor(o: SipCoreOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.hooks = o.hooks ?? {};
  }

  /** A stream flow closed: it no longer vouches for anyone. */
  flowClosed(flow: Flow): void {
    this.authenticatedFlows.delete(flow.id);
  }

  // ---- TransactionCore ------------------------------------------------------

  receiveRequest(req: SipRequest, incoming: Incoming): void {
    this.o.observer?.request?.(req.method);
    try {
      validateRequest(req);
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      // RFC 3261 §8.2 / RFC 4475: malformed requests get 400 with the reason; the server keeps serving.
      this.stateless(req, e.status, e.reason, incoming);
      return;
    }
    let tx: AnyServerTransaction;
    try {
      tx = this.o.layer.createServerTransaction(req, incoming.flow);
    } catch (e) {
      this.o.log.warn({ err: e }, 'cannot create server transaction');
      return;
    }
    this.route(req, tx, incoming).catch((e: unknown) => {
      this.o.log.error({ err: e, method: req.method }, 'request processing failed');
      this.respond(tx, createResponse(req, 500, { reason: 'Internal error' }));
    });
  }

  receiveAck(ack: SipRequest, incoming: Incoming): void {
    // An ACK for a 2xx is its own transaction and is routed statelessly by its Route set (§16.11).
    void this.forwardStateless(ack, incoming).catch(() => undefined);
  }

  receiveStrayResponse(res: SipResponse, _incoming: Incoming): void {
    // RFC 3261 §16.7 (and RFC 6026 §7): a 2xx to an INVITE with no transaction
    // is forwarded statelessly: pop our Via, send per the next one.
    if (res.status < 200 || res.status >= 300 || res.cseq().method !== 'INVITE') return;
    const top = res.vias()[0];
    if (!top || !this.o.local.isOurs(top.host, top.port)) return;
    const next = res.vias()[1];
    if (!next) return;
    const out = res.clone();
    out.removeFirstValue('Via');
    const address = unbracket(next.params.get('received') ?? next.host);
    const rport = next.params.get('rport');
    const port = rport ? Number(rport) : next.port ?? 5060;
    void this.o.transport.send(out, { protocol: next.transport as TransportProtocol, address, port }).catch(() => undefined);
  }

  receiveCancel(cancel: ServerNonInviteTransaction, invite: ServerInviteTransaction, _incoming: Incoming): void {
    // RFC 3261 §16.10: answer the CANCEL with 200, then cancel every pending branch; the INVITE
    // gets the 487 that comes back (or we send it when nothing was forwarded, §9.2).
    cancel.respond(createResponse(cancel.request, 200));
    const ctx = this.contexts.get(invite);
    if (ctx) ctx.cancel();
    else invite.respond(createResponse(invite.request, 487, { toTag: newTag() }));
  }

  // ---- the request route ----------------------------------------------------

  private async route(req: SipRequest, tx: AnyServerTransaction, incoming: Incoming): Promise<void> {
    const o = this.o;
    const uri = req.uri;
    // RFC 3261 §8.2.2.1 / RFC 4475 unkscm: a scheme we cannot route gets 416.
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips' && uri.scheme !== 'tel') {
      return this.reply(tx, 416);
    }
    // §16.4 route information preprocessing: a strict router put our Record-Route in the Request-URI.
    if (o.local.isServerUri(uri) && (uri as SipUri).params.has('lr') && req.has('route')) {
      const routes = req.getAll('route');
      req.uri = parseUri(stripAngles(routes[routes.length - 1]!));
      req.remove('route');
      for (const r of routes.slice(0, -1)) req.append('Route', r);
    }
    const routedByUs = this.popOwnRoutes(req);

    if (isLoop(req, (h, p) => o.local.isOurs(h, p))) return this.reply(tx, 482);

    const toServer = o.local.isServerUri(req.uri) || (req.method === 'REGISTER' && o.local.isLocalDomain(req.uri) && (req.uri as SipUri).user === null);
    if (toServer && !req.has('route')) return this.asUas(req, tx, incoming);

    // Acting as a proxy from here (§16.3).
    const proxyRequire = req.optionTags('Proxy-Require');
    if (proxyRequire.length > 0) {
      return this.reply(tx, 420, { headers: [['Unsupported', proxyRequire.join(', ')]] });
    }
    const mf = req.maxForwards();
    if (mf === 0) return this.reply(tx, 483);

    const inDialog = req.to().params.get('tag') !== undefined;
    // A request we sent to ourselves (a spiral) was authorized on its first pass.
    const fromUs = o.local.isOurs(incoming.flow.remote.address, incoming.flow.remote.port);
    let originator: string | null = null;
    if (fromUs) {
      const pai = req.getAll('p-asserted-identity')[0];
      originator = pai ? aorOfNameAddr(pai) : null;
    } else if (!inDialog && req.method !== 'ACK' && req.method !== 'CANCEL') {
      const who = await this.authorize(req, tx, incoming);
      if (who === undefined) return;
      originator = who;
      if (who !== null && this.hooks.originating && (await this.hooks.originating({ request: req, tx, incoming, originator: who }))) return;
    }

    if (req.has('route')) {
      // Loose routing (§16.4): the next hop is the first remaining Route.
      const dest = await this.destinationFor(parseUri(stripAngles(req.getAll('route')[0]!)));
      if (!dest) return this.reply(tx, 503, { reason: 'Next hop unknown' });
      await this.fork(req, tx, [{ target: req.uri, dest, path: [] }], incoming);
      return;
    }

    if (req.uri.scheme === 'tel') return this.reply(tx, 404, { reason: 'No route for tel URIs' });
    const target = req.uri as SipUri;
    if (!o.local.isLocalDomain(target) && inDialog && routedByUs) {
      // §16.5: a mid-dialog request that came along our Record-Route goes to its Request-URI.
      const dest = await this.destinationFor(target);
      if (!dest) return this.reply(tx, 503, { reason: 'Next hop unknown' });
      await this.fork(req, tx, [{ target, dest, path: [] }], incoming);
      return;
    }
    if (!o.local.isLocalDomain(target)) {
      // Other domains: only by a configured static route; otherwise refused by policy.
      const route = o.routes[target.host.toLowerCase()];
      if (!route) return this.reply(tx, 403, { reason: 'Relaying denied' });
      const dest = await this.destinationFor(parseUri(route));
      if (!dest) return this.reply(tx, 503, { reason: 'Static route unreachable' });
      await this.fork(req, tx, [{ target, dest, path: [] }], incoming);
      return;
    }
    await this.toLocalUser(req, tx, incoming, target, originator);
  }

  /** Requests addressed to the server itself (REGISTER, OPTIONS): we are the UAS. */
  private async asUas(req: SipRequest, tx: AnyServerTransaction, incoming: Incoming): Promise<void> {
    // RFC 3261 §8.2.2.3: unknown Require option tags get 420 listing them.
    const unsupported = req.optionTags('Require').filter((t) => !SUPPORTED.includes(t));
    if (unsupported.length > 0 && req.method !== 'ACK' && req.method !== 'CANCEL') {
      return this.reply(tx, 420, { headers: [['Unsupported', unsupported.join(', ')]] });
    }
    switch (req.method) {
      case 'REGISTER':
        return this.register(req, tx, incoming);
      case 'OPTIONS':
        return this.reply(tx, 200, {
          headers: [
            ['Allow', ALLOW],
            ['Accept', 'application/sdp, text/plain, message/cpim, application/im-iscomposing+xml, multipart/mixed'],
            ['Supported', SUPPORTED.join(', ')],
            ['Server', SERVER_HEADER],
          ],
        });
      default:
        // RFC 3261 §8.2.1: 405 with Allow for methods we know; 501 for the others (RFC 4475 intmeth).
        if (KNOWN_METHODS.has(req.method)) return this.reply(tx, 405, { headers: [['Allow', 'OPTIONS, REGISTER']] });
        return this.reply(tx, 501, { headers: [['Allow', ALLOW]] });
    }
  }

  private async register(req: SipRequest, tx: AnyServerTransaction, incoming: Incoming): Promise<void> {
    const o = this.o;
    if (!o.local.isLocalDomain(req.uri)) return this.reply(tx, 404, { reason: 'Domain not served here' });
    const outcome = await o.auth.authenticate(req);
    switch (outcome.kind) {
      case 'challenge':
        o.observer?.register?.('challenge');
        return this.reply(tx, 401, { headers: outcome.challenges.map((c) => ['WWW-Authenticate', c] as const) });
      case 'forbidden':
        o.observer?.register?.('forbidden');
        return this.reply(tx, 403, { reason: outcome.reason });
      case 'bad-request':
        o.observer?.register?.('error');
        return this.reply(tx, 400, { reason: outcome.reason });
    }
    const flow = incoming.flow;
    const res = await o.registrar.register(req, {
      authenticatedAor: `sip:${outcome.user}@${o.local.domain}`,
      flow: { id: flow.id, protocol: flow.protocol, address: flow.remote.address, port: flow.remote.port },
      now: this.now(),
    });
    o.observer?.register?.(res.status === 200 ? 'ok' : 'error');
    if (res.status === 200 && flow.reliable) this.authenticatedFlows.set(flow.id, outcome.user);
    res.append('Server', SERVER_HEADER);
    this.respond(tx, res);
  }

  /**
   * Authenticated originator (OMA IM; RFC 3325 §9): a request from one of
   * our users is authenticated (407) unless it comes on a stream flow that
   * user registered over; the asserted identity replaces whatever the
   * client claimed, and a From that is not the user's own AoR is refused.
   * Returns the originator's AoR, null for a request from another domain
   * to one of our users, or undefined when it has been answered.
   */
  private async authorize(req: SipRequest, tx: AnyServerTransaction, incoming: Incoming): Promise<string | null | undefined> {
    const o = this.o;
    const from = req.from();
    const fromLocal = isSipUri(from.uri) && o.local.isDomain(from.uri.host);
    const toLocal = o.local.isLocalDomain(req.uri);
    // RFC 3325 §5: P-Asserted-Identity from outside the trust domain is never believed.
    req.remove('P-Asserted-Identity');
    if (!fromLocal && toLocal) {
      req.remove('P-Preferred-Identity');
      return null;
    }
    let user = incoming.flow.reliable ? this.authenticatedFlows.get(incoming.flow.id) : undefined;
    if (user === undefined || req.has('Proxy-Authorization')) {
      const outcome = await o.auth.authenticate(req);
      if (outcome.kind === 'challenge') {
        this.reply(tx, 407, { headers: outcome.challenges.map((c) => ['Proxy-Authenticate', c] as const) });
        return undefined;
      }
      if (outcome.kind === 'forbidden') {
        this.reply(tx, 403, { reason: outcome.reason });
        return undefined;
      }
      if (outcome.kind === 'bad-request') {
        this.reply(tx, 400, { reason: outcome.reason });
        return undefined;
      }
      user = outcome.user;
      // Credentials are for us: RFC 3261 §22.3 lets a proxy remove the ones it consumed.
      req.remove('Proxy-Authorization');
    }
    const aor = `sip:${user}@${o.local.domain}`;
    if (!isSipUri(from.uri) || aorOf(from.uri) !== aor) {
      this.reply(tx, 403, { reason: 'From does not match the authenticated identity' });
      return undefined;
    }
    req.remove('P-Preferred-Identity');
    req.set('P-Asserted-Identity', formatNameAddr({ displayName: from.displayName, uri: parseUri(aor), params: featureParams('') }));
    return aor;
  }

  private async toLocalUser(
    req: SipRequest,
    tx: AnyServerTransaction,
    incoming: Incoming,
    target: SipUri,
    originator: string | null,
  ): Promise<void> {
    const o = this.o;
    const name = target.user === null ? '' : unescapeUriPart(target.user);
    // Users of ours are known by sip:name@domain, whatever host the URI used to reach us.
    const aor = `sip:${name}@${o.local.domain}`;
    const local: LocalRequest = { request: req, tx, incoming, originator, target: aor };
    if (!name || !(await o.users.exists(name))) {
      if (this.hooks.serviceRequest && (await this.hooks.serviceRequest(local))) return;
      return this.reply(tx, 404, { reason: 'User not found' });
    }
    if (this.hooks.beforeLocation && (await this.hooks.beforeLocation(local))) return;
    const all = await o.bindings.list(aor, this.now());
    const chosen = this.hooks.selectBindings?.(local, all) ?? applyCallerPreferences(
      all,
      (b: Binding) => featureParams(b.params),
      req.getAll('accept-contact'),
      req.getAll('reject-contact'),
    );
    const branches: Array<{ target: Uri; dest: Flow | Endpoint; path: readonly string[] }> = [];
    for (const b of chosen) {
      const dest = await this.bindingDestination(b);
      if (dest) branches.push({ target: parseUri(b.contact), dest, path: b.path });
    }
    if (branches.length === 0) {
      const failure = createResponse(req, 480, { toTag: newTag(), reason: 'No registered device' });
      const alt = this.hooks.onUnreachable ? await this.hooks.onUnreachable(local, failure) : undefined;
      return this.respond(tx, alt ?? failure);
    }
    const outcome = await this.fork(req, tx, branches, incoming, false);
    if (outcome?.kind === 'failure') {
      const alt =
        this.hooks.onUnreachable && (outcome.best.status === 408 || outcome.best.status === 480)
          ? await this.hooks.onUnreachable(local, outcome.best)
          : undefined;
      this.respond(tx, alt ?? outcome.best);
    }
  }

  /**
   * Forwards to every branch (§16.6) and relays responses (§16.7). With
   * `sendFailure` false the best failure is returned for the caller to
   * answer (the IM server may store the message instead).
   */
  private async fork(
    req: SipRequest,
    tx: AnyServerTransaction,
    targets: ReadonlyArray<{ target: Uri; dest: Flow | Endpoint; path: readonly string[] }>,
    incoming: Incoming,
    sendFailure = true,
  ): Promise<ForkOutcome | undefined> {
    const hash = loopHash(req);
    const mf = req.maxForwards();
    const branches: Branch[] = targets.map(({ target, dest, path }) => {
      const out = req.clone();
      out.uri = target;
      // §16.6 step 3: decrement Max-Forwards, or add it with 70.
      out.set('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
      // RFC 3327 §5.2: the stored Path becomes the Route set towards the contact.
      for (let i = path.length - 1; i >= 0; i--) out.prepend('Route', path[i]!);
      if (DIALOG_CREATING.has(req.method) && req.to().params.get('tag') === undefined) {
        this.recordRoute(out, incoming.flow.protocol, dest.protocol);
      }
      out.prepend('Via', this.o.layer.createVia(dest.protocol, loopBranch(hash, newBranch().slice(7))));
      return { request: out, destination: dest };
    });
    // A CANCEL (or anything else) may have answered the request while we were
    // looking up its targets: then nothing is forwarded (RFC 3261 §16.10).
    if (tx.lastResponse !== undefined && tx.lastResponse.status >= 200) return undefined;
    const ctx = new ResponseContext(this.o.layer, req, { forward: (res) => this.respond(tx, res) });
    if (req.method === 'INVITE') this.contexts.set(tx as ServerInviteTransaction, ctx);
    ctx.start(branches);
    const outcome = await ctx.outcome;
    if (outcome.kind === 'failure' && (sendFailure || ctx.isCancelled)) {
      this.respond(tx, outcome.best);
      return undefined;
    }
    return outcome;
  }

  /** Record-Route (§16.6 step 4); two entries when the request changes transport (RFC 5658). */
  private recordRoute(out: SipRequest, inbound: TransportProtocol, outbound: TransportProtocol): void {
    const rr = (p: TransportProtocol) => {
      const sb = this.o.transport.sentBy(p);
      const host = sb.address.includes(':') ? `[${sb.address}]` : sb.address;
      return `<sip:${host}:${sb.port};transport=${p.toLowerCase()};lr>`;
    };
    if (inbound === outbound) out.prepend('Record-Route', rr(inbound));
    else {
      out.prepend('Record-Route', rr(inbound));
      out.prepend('Record-Route', rr(outbound));
    }
  }

  /**
   * Where a binding is reached (RFC 5626 §5.3, RFC 3327): over its flow
   * while that is open; through its Path; back to the address a UDP
   * REGISTER came from (the NAT binding, received/rport); else the Contact.
   * Public for the IM server, which sends to one device at a time (deferred push).
   */
  async bindingDestination(b: Binding): Promise<Flow | Endpoint | undefined> {
    if (b.flow) {
      // Connection reuse: a stream flow while it is open; a UDP flow only for an
      // outbound (reg-id) binding, where the flow is what was registered (RFC 5626 §5.3).
      const f = this.o.transport.flowById(b.flow.id);
      if (f && f.open && (f.reliable || b.regId !== null)) return f;
    }
    if (b.path.length > 0) return this.destinationFor(parseUri(stripAngles(b.path[0]!)));
    const contact = parseUri(b.contact);
    // Behind a NAT the Contact names a private address: a UDP REGISTER whose
    // Contact host is not the address it came from is answered at that
    // source (received/rport), as the NAT binding only lets that through.
    if (b.flow && b.flow.protocol === 'UDP' && isSipUri(contact) && contact.host.replace(/^\[|\]$/g, '') !== b.flow.address) {
      return { protocol: 'UDP', address: b.flow.address, port: b.flow.port };
    }
    // A WebSocket client cannot be connected to: without its flow it is unreachable (RFC 7118 §5).
    if (b.flow && (b.flow.protocol === 'WS' || b.flow.protocol === 'WSS')) return undefined;
    return this.destinationFor(contact);
  }

  private async destinationFor(uri: Uri): Promise<Endpoint | undefined> {
    try {
      return await nextHop(uri, this.o.resolve);
    } catch (e) {
      if (e instanceof NextHopError) return undefined;
      this.o.log.warn({ err: e, uri: formatUri(uri) }, 'cannot resolve next hop');
      return undefined;
    }
  }

  /** Removes the Route entries that name us (§16.4; both entries of a double Record-Route); true if there were any. */
  private popOwnRoutes(req: SipRequest): boolean {
    let popped = false;
    for (;;) {
      const first = req.getAll('route')[0];
      if (first === undefined) return popped;
      let u: Uri;
      try {
        u = parseUri(stripAngles(first));
      } catch {
        return popped;
      }
      if (!isSipUri(u) || u.user !== null || !this.o.local.isOurs(u.host, u.port)) return popped;
      req.removeFirstValue('route');
      popped = true;
    }
  }

  private async forwardStateless(req: SipRequest, _incoming: Incoming): Promise<void> {
    this.popOwnRoutes(req);
    const next = req.has('route') ? parseUri(stripAngles(req.getAll('route')[0]!)) : req.uri;
    if (this.o.local.isServerUri(next)) return;
    const dest = await this.destinationFor(next);
    if (!dest) return;
    const mf = req.maxForwards();
    if (mf === 0) return;
    req.set('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
    await this.o.layer.sendStateless(req, dest);
  }

  // ---- answering ---------------------------------------------------------------

  private reply(
    tx: AnyServerTransaction,
    status: number,
    opts: { reason?: string; headers?: ReadonlyArray<readonly [string, string]> } = {},
  ): void {
    this.respond(tx, createResponse(tx.request, status, { ...opts, toTag: newTag() }));
  }

  private respond(tx: AnyServerTransaction, res: SipResponse): void {
    this.o.observer?.response?.(tx.request.method, res.status);
    tx.respond(res);
  }

  private stateless(req: SipRequest, status: number, reason: string, incoming: Incoming): void {
    if (req.method === 'ACK') return;
    const res = responseFromFields(req.headers, status, { reason, toTag: newTag() });
    if (!res.has('via')) return;
    this.o.observer?.response?.(req.method, status);
    void this.o.transport.send(res, incoming.flow).catch(() => undefined);
  }
}

function aorOfNameAddr(v: string): string | null {
  try {
    const u = parseUri(stripAngles(v));
    return isSipUri(u) ? aorOf(u) : null;
  } catch {
    return null;
  }
}

function stripAngles(v: string): string {
  const s = v.trim();
  const lt = s.indexOf('<');
  const gt = s.indexOf('>', lt);
  return lt !== -1 && gt !== -1 ? s.slice(lt + 1, gt) : s.split(';')[0]!;
}
