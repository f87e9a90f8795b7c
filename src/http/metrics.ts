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

  /** Per-label children, made once: prom-client hashes a labels object on every inc() otherwise. */
  private readonly children = new Map<string, { inc(): void }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'simpleim_' });
  }

  /** Counts a received request; methods outside RFC 3261 and its extensions count as "other" (bounded label values). */
  countRequest(method: string): void {
    this.child(`q${method}`, () => this.sipRequests.labels(methodLabel(method)));
  }

  countResponse(method: string, status: number): void {
    this.child(`s${method} ${status}`, () => this.sipResponses.labels(methodLabel(method), `${Math.floor(status / 100)}xx`));
  }

  countRegister(outcome: string): void {
    this.child(`r${outcome}`, () => this.registerRequests.labels(outcome));
  }

  private child(key: string, make: () => { inc(): void }): void {
    let c = this.children.get(key);
    if (c === undefined) {
      // Bounded: keys come from the label values below (at most a few hundred).
      if (this.children.size >= 4096) this.children.clear();
      this.children.set(key, (c = make()));
    }
    c.inc();
  }
}

const METHODS = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'INFO', 'UPDATE', 'PRACK', 'PUBLISH']);

/** A method name as a label value: any token is a valid method, so unknown ones share one series. */
function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'other';
}
