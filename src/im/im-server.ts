import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../formats/clock.js';
import type { CoreHooks } from '../core/sip-core.js';
import type { SipRequest } from '../sip/message.js';
import type { Endpoint, Flow, HostPort, Incoming, TransportProtocol } from '../sip/transport/types.js';
import type { Binding } from '../store/bindings.js';
import type { DeferredMessages, NewDeferredMessage } from '../store/deferred-messages.js';
import { parseNameAddr } from '../sip/name-addr.js';
import type { XcapDocuments } from '../store/xcap-documents.js';
import { AccessControl, type AccessPolicies } from './access-control.js';
import { CachedAccessPolicies } from './cached-access-policies.js';
import { createDeferredApi, type HttpAuthenticator } from './deferred-api-node.js';
import { DeferredDelivery, deviceKey, type RequestSender } from './deferred-delivery.js';
import { DeferredListMirror, type DeferredListEntry } from './deferred-list-mirror.js';
import { DeferredInbox } from './deferred-inbox.js';
import { ImMetrics } from './im-metrics.js';
import { ImServiceSettings } from './im-service-settings.js';
import { InternalRoute } from './internal-route.js';
import { OriginatingFunction } from './originating-function.js';
import type { PagerLimits } from './pager-limits.js';
import { imDevices, TerminatingFunction } from './terminating-function.js';
import { UriListExploder, type GroupDirectory } from './uri-list-exploder.js';

export interface ImServerOptions {
  readonly domain: string;
  /** The SIP/IP core: where devices are reached, and where internally routed requests enter. */
  readonly core: {
    bindingDestination(b: Binding): Promise<Flow | Endpoint | undefined>;
    receiveRequest(req: SipRequest, incoming: Incoming): void;
  };
  readonly layer: RequestSender & { createVia(protocol: TransportProtocol): string };
  readonly transport: { sentBy(protocol: TransportProtocol): HostPort };
  readonly deferred: DeferredMessages;
  readonly documents: XcapDocuments;
  readonly policies: AccessPolicies;
  readonly groups: GroupDirectory;
  readonly auth: HttpAuthenticator;
  readonly clock: Clock;
  readonly limits: PagerLimits;
  readonly deferredMaxAgeMs: number;
  readonly deferredQuota: number;
  readonly registry?: Registry;
  readonly log: Logger;
  /** How often expired messages are purged (ms). */
  readonly purgeIntervalMs?: number;
}

/**
 * The IM server's participating and controlling functions for pager mode
 * (OMA IM digest §3, §8), put together: the hooks the SIP/IP core calls,
 * the registrar listener that pushes deferred messages, the /im/ HTTP API,
 * and the purge of expired messages.
 */
export class ImServer {
  readonly hooks: CoreHooks;
  readonly delivery: DeferredDelivery;
  readonly metrics: ImMetrics | undefined;
  /** The XDMS deferred-list documents (digest §3.4). */
  readonly mirror: DeferredListMirror;
  /** Each user's current bindings, as the registrar last reported them: the devices a message must reach. */
  private readonly registered = new Map<string, readonly Binding[]>();
  private readonly api: (req: IncomingMessage, res: ServerResponse) => void;
  private purgeTimer: TimerHandle | null = null;
  private readonly policies: CachedAccessPolicies;

  constructor(private readonly o: ImServerOptions) {
    const metrics = o.registry ? new ImMetrics(o.registry, () => o.deferred.count(o.clock.now())) : undefined;
    this.metrics = metrics;
    const mirror = new DeferredListMirror({
      documents: o.documents,
      clock: o.clock,
      onError: (err) => o.log.warn({ err }, 'deferred-list update failed'),
    });
    this.mirror = mirror;
    const inbox = new DeferredInbox({
      store: o.deferred,
      clock: o.clock,
      maxAgeMs: o.deferredMaxAgeMs,
      quota: o.deferredQuota,
      onStored: (owner, id, msg) => {
        metrics?.deferredStored.inc();
        mirror.added(owner, listEntry(id, msg));
      },
      onRefused: () => metrics?.deferredRefused.inc(),
    });
    const originating = new OriginatingFunction(o.limits);
    this.policies = new CachedAccessPolicies(o.policies, o.documents);
    const terminating = new TerminatingFunction({ access: new AccessControl(this.policies), inbox, limits: o.limits });
    const route = new InternalRoute({
      core: o.core,
      self: () => o.transport.sentBy('UDP'),
      createVia: () => o.layer.createVia('TCP'),
      clock: o.clock,
    });
    const exploder = new UriListExploder({
      factory: `sip:conference-factory@${o.domain.toLowerCase()}`,
      groups: o.groups,
      send: (req) => route.send(req),
      onCopy: (status) => metrics?.uriListCopies.inc({ class: `${Math.floor(status / 100)}xx` }),
    });
    this.delivery = new DeferredDelivery({
      store: o.deferred,
      sender: o.layer,
      destinationOf: (b) => o.core.bindingDestination(b),
      settings: new ImServiceSettings(o.documents),
      clock: o.clock,
      onDelivered: (n) => metrics?.deferredDelivered.inc(n),
      onMarked: (owner, device, ids) => {
        this.deliveredToDevices(owner, device, ids).catch((err: unknown) => o.log.warn({ err }, 'deferred-list update failed'));
      },
      onError: (err) => o.log.warn({ err }, 'deferred push failed'),
    });
    this.api = createDeferredApi({
      store: o.deferred,
      auth: o.auth,
      clock: o.clock,
      prefix: '/im/deferred',
      onDeleted: (owner, id) => mirror.removed(owner, [id]),
    });
    this.hooks = {
      originating: (r) => originating.handle(r),
      beforeLocation: (r) => terminating.beforeLocation(r),
      selectBindings: (r, all) => terminating.selectBindings(r, all),
      onUnreachable: (r, failure) => terminating.onUnreachable(r, failure),
      serviceRequest: (r) => exploder.serviceRequest(r),
    };
  }

  /** Registrar onChange: a device that registered gets its stored messages. */
  onRegistrationChange(aor: string, bindings: readonly Binding[], added: readonly Binding[]): void {
    if (bindings.length > 0) this.registered.set(aor, bindings);
    else this.registered.delete(aor);
    this.delivery.onRegistered(aor, added);
  }

  /**
   * A message leaves the user's deferred list once every IM device the user
   * has registered now (and the one that just took it) acknowledged it.
   */
  private async deliveredToDevices(owner: string, device: string, ids: readonly string[]): Promise<void> {
    const now = this.o.clock.now();
    const live = (this.registered.get(owner) ?? []).filter((b) => b.expiresAt > now);
    const devices = new Set(imDevices(live).map(deviceKey));
    devices.add(device);
    this.mirror.removed(owner, await this.o.deferred.deliveredToAll(ids, [...devices]));
  }

  /** The handler for the /im/ HTTP prefix. */
  handleHttp(req: IncomingMessage, res: ServerResponse): void {
    this.api(req, res);
  }

  start(): void {
    const every = this.o.purgeIntervalMs ?? 60_000;
    const tick = () => {
      void this.purge().finally(() => {
        if (this.purgeTimer !== null) this.purgeTimer = this.o.clock.setTimeout(tick, every);
      });
    };
    // At start too: messages that expired while the server was down go at once.
    this.purgeTimer = this.o.clock.setTimeout(tick, 0);
  }

  /** Drops expired messages now; returns how many went (counted in /metrics). */
  async purge(): Promise<number> {
    try {
      const n = await this.o.deferred.purgeExpired(this.o.clock.now());
      if (n > 0) {
        this.metrics?.deferredExpired.inc(n);
        this.o.log.info({ expired: n }, 'expired deferred messages dropped');
      }
      return n;
    } catch (err) {
      this.o.log.warn({ err }, 'deferred purge failed');
      return 0;
    }
  }

  /** Stops timers and writes what the deferred-list mirror still holds; the store must stay open until it resolves. */
  async stop(): Promise<void> {
    if (this.purgeTimer !== null) this.o.clock.clearTimeout(this.purgeTimer);
    this.purgeTimer = null;
    this.policies.close();
    await this.mirror.flush();
  }
}

/** The deferred-list entry of a message just stored. */
function listEntry(id: string, m: NewDeferredMessage): DeferredListEntry {
  let displayName: string | null = null;
  try {
    displayName = parseNameAddr(m.from).displayName;
  } catch {
    // The From was formatted by the inbox; without a display name the AoR is enough.
  }
  return {
    id,
    from: m.sender,
    displayName,
    to: m.owner,
    subject: m.headers.find(([n]) => n.toLowerCase() === 'subject')?.[1],
    size: m.body.length,
    receivedAt: m.receivedAt,
    expiresAt: m.expiresAt,
  };
}
