import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly sipRequests = new Counter({
    name: 'simpleim_sip_requests_total',
    help: 'SIP requests received, by method',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });
  readonly sipResponses = new Counter({
    name: 'simpleim_sip_responses_total',
    help: 'SIP responses sent by this server, by method and class (1xx..6xx)',
    labelNames: ['method', 'class'] as const,
    registers: [this.registry],
  });
  readonly sipMalformed = new Counter({
    name: 'simpleim_sip_malformed_total',
    help: 'SIP messages refused as malformed',
    registers: [this.registry],
  });
  readonly registrations = new Gauge({
    name: 'simpleim_registrations',
    help: 'live registered contacts (bindings)',
    registers: [this.registry],
  });
  readonly registerRequests = new Counter({
    name: 'simpleim_register_total',
    help: 'REGISTER requests by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly transactions = new Gauge({
    name: 'simpleim_sip_transactions',
    help: 'SIP transactions in flight',
    labelNames: ['side'] as const,
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: 'simpleim_connections',
    help: 'open stream connections (TCP, TLS, WebSocket)',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'simpleim_' });
  }
}
