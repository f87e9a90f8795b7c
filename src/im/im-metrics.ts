import { Counter, Gauge, type Registry } from 'prom-client';

/** The IM server's figures at /metrics. */
export class ImMetrics {
  readonly deferredStored;
  readonly deferredRefused;
  readonly deferredExpired;
  readonly deferredDelivered;
  readonly uriListCopies;
  readonly deferredLive;

  constructor(registry: Registry, liveCount: () => Promise<number>) {
    const registers = [registry];
    this.deferredStored = new Counter({ name: 'simpleim_im_deferred_stored_total', help: 'pager messages stored for later delivery (answered 202)', registers });
    this.deferredRefused = new Counter({ name: 'simpleim_im_deferred_refused_total', help: 'pager messages not stored because the inbox was full', registers });
    this.deferredExpired = new Counter({ name: 'simpleim_im_deferred_expired_total', help: 'stored messages dropped at their maximum age', registers });
    this.deferredDelivered = new Counter({ name: 'simpleim_im_deferred_delivered_total', help: 'stored messages a device acknowledged with a 2xx', registers });
    this.uriListCopies = new Counter({
      name: 'simpleim_im_uri_list_copies_total',
      help: 'MESSAGE copies sent by the URI-list exploder, by final response class',
      labelNames: ['class'] as const,
      registers,
    });
    this.deferredLive = new Gauge({
      name: 'simpleim_im_deferred_messages',
      help: 'stored messages not yet expired',
      registers,
      async collect() {
        this.set(await liveCount());
      },
    });
  }
}
