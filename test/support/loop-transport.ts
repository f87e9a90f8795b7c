/**
 * An in-memory SIP network for transaction, dialog and core tests, after
 * PJSIP's loop transport: every message is serialized and parsed again (so
 * tests see what the wire would carry), and delivered after a delay on the
 * injected clock, with optional loss on unreliable protocols. Nothing
 * happens until the clock moves: `clock.advance(0)` delivers what is due now.
 *
 *   const net = new LoopNetwork({ clock });
 *   const alice = net.transport('alice.test', 5060);
 *   const bob = net.transport('bob.test', 5060);
 *   ...
 *   net.packets({ from: 'alice.test', method: 'INVITE' }).map((p) => p.at)
 */
import type { Clock } from '../../src/formats/clock.js';
import type { SipMessage } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { serializeMessage } from '../../src/sip/serializer.js';
import type { Endpoint, Flow, HostPort, Incoming, SipTransport, TransportProtocol } from '../../src/sip/transport/types.js';
import { validateRequest, validateResponse } from '../../src/sip/validate.js';

export interface LoopNetworkOptions {
  readonly clock: Clock;
  /** One-way delay of every packet, ms (default 0). */
  readonly delay?: number;
  /** Probability (0..1) that a UDP packet is lost (default 0). Streams never lose packets. */
  readonly loss?: number;
  /** Random numbers in [0, 1) for loss; default a fixed-seed generator, so runs repeat. */
  readonly random?: () => number;
}

/** One packet put on the wire, delivered or not. */
export interface Packet {
  /** Clock time it was sent. */
  readonly at: number;
  readonly protocol: TransportProtocol;
  readonly from: HostPort;
  readonly to: HostPort;
  readonly bytes: Uint8Array;
  /** The packet parsed back, as the receiver would see it. */
  readonly message: SipMessage;
  /** True when loss or a drop rule ate it. */
  readonly dropped: boolean;
}

export interface PacketFilter {
  readonly from?: string;
  readonly to?: string;
  /** Requests of this method. */
  readonly method?: string;
  /** Responses with this status. */
  readonly status?: number;
  /** Responses whose CSeq method is this. */
  readonly cseqMethod?: string;
  readonly includeDropped?: boolean;
}

function isReliable(p: TransportProtocol): boolean {
  return p !== 'UDP';
}

function hp(h: HostPort): string {
  return `${h.address}:${h.port}`;
}

/** A Park-Miller generator: deterministic loss patterns. */
function seeded(seed = 42): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

export class LoopNetwork {
  readonly clock: Clock;
  delay: number;
  loss: number;
  /** A rule that drops chosen packets (deterministic loss), checked before `loss`. */
  drop: ((packet: Omit<Packet, 'dropped'>) => boolean) | undefined;
  readonly log: Packet[] = [];
  private readonly random: () => number;
  private readonly transports = new Map<string, LoopTransport>();

  constructor(opts: LoopNetworkOptions) {
    this.clock = opts.clock;
    this.delay = opts.delay ?? 0;
    this.loss = opts.loss ?? 0;
    this.random = opts.random ?? seeded();
  }

  /** A transport listening on address:port for every protocol. */
  transport(address: string, port = 5060): LoopTransport {
    const t = new LoopTransport(this, { address, port });
    this.transports.set(hp(t.local), t);
    return t;
  }

  /** The packets sent so far that match a filter, in order. */
  packets(filter: PacketFilter = {}): Packet[] {
    return this.log.filter((p) => {
      if (p.dropped && !filter.includeDropped) return false;
      if (filter.from !== undefined && p.from.address !== filter.from) return false;
      if (filter.to !== undefined && p.to.address !== filter.to) return false;
      const m = p.message;
      if (filter.method !== undefined && (m.kind !== 'request' || m.method !== filter.method)) return false;
      if (filter.status !== undefined && (m.kind !== 'response' || m.status !== filter.status)) return false;
      if (filter.cseqMethod !== undefined && m.cseq().method !== filter.cseqMethod) return false;
      return true;
    });
  }

  /**
   * Puts raw bytes on the wire from an address no transport owns (a peer
   * the test plays by hand, e.g. an RFC 4475 message). Responses to it are
   * logged and go nowhere.
   */
  inject(bytes: Uint8Array, from: HostPort, to: HostPort, protocol: TransportProtocol = 'UDP'): void {
    this.carry(bytes, protocol, from, to);
  }

  /** @internal */
  carry(bytes: Uint8Array, protocol: TransportProtocol, from: HostPort, to: HostPort): void {
    const message = parseMessage(bytes, { datagram: !isReliable(protocol) });
    const base = { at: this.clock.now(), protocol, from, to, bytes, message };
    const dropped = this.drop?.(base) === true || (!isReliable(protocol) && this.loss > 0 && this.random() < this.loss);
    this.log.push({ ...base, dropped });
    if (dropped) return;
    this.clock.setTimeout(() => {
      const target = this.transports.get(hp(to));
      if (target !== undefined && !target.closed) target.deliver(bytes, protocol, from);
    }, this.delay);
  }
}

class LoopFlow implements Flow {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly local: HostPort;
  readonly remote: HostPort;
  readonly reliable: boolean;
  readonly secure: boolean;
  open = true;
  private readonly net: LoopNetwork;

  constructor(net: LoopNetwork, protocol: TransportProtocol, local: HostPort, remote: HostPort) {
    this.net = net;
    this.protocol = protocol;
    this.local = local;
    this.remote = remote;
    this.reliable = isReliable(protocol);
    this.secure = protocol === 'TLS' || protocol === 'WSS';
    this.id = `${protocol}/${hp(local)}/${hp(remote)}`;
  }

  send(bytes: Uint8Array): void {
    if (!this.open) throw new Error('flow closed');
    this.net.carry(bytes, this.protocol, this.local, this.remote);
  }

  close(): void {
    // UDP "flows" never close (types.ts: "always true for UDP").
    if (this.reliable) this.open = false;
  }
}

export class LoopTransport implements SipTransport {
  readonly local: HostPort;
  onMessage: ((incoming: Incoming) => void) | undefined;
  /** When set, every send() rejects with it (a transport error, RFC 3261 §17.1.4 / §18.4). */
  sendError: Error | undefined;
  /** Messages received that failed validation (and were dropped, as a real transport would). */
  readonly rejected: Uint8Array[] = [];
  closed = false;
  private readonly net: LoopNetwork;
  private readonly flows = new Map<string, LoopFlow>();

  constructor(net: LoopNetwork, local: HostPort) {
    this.net = net;
    this.local = local;
  }

  private flowTo(protocol: TransportProtocol, remote: HostPort): LoopFlow {
    const key = `${protocol}/${hp(remote)}`;
    let f = this.flows.get(key);
    if (f === undefined || !f.open) {
      f = new LoopFlow(this.net, protocol, this.local, remote);
      this.flows.set(key, f);
    }
    return f;
  }

  /** The flow this transport has to a peer, if any (to close it in a test). */
  findFlow(protocol: TransportProtocol, remote: HostPort): Flow | undefined {
    return this.flows.get(`${protocol}/${hp(remote)}`);
  }

  send(message: SipMessage, to: Flow | Endpoint): Promise<Flow> {
    if (this.sendError !== undefined) return Promise.reject(this.sendError);
    let flow: LoopFlow;
    if ('id' in to && to.open && to instanceof LoopFlow) flow = to;
    else if ('id' in to && message.kind === 'response') {
      // RFC 3261 §18.2.2: the connection is gone; send to the top Via's received/rport or sent-by.
      const via = message.topVia();
      const address = via.params.get('received') ?? via.host;
      const rport = via.params.get('rport');
      const port = rport ? Number(rport) : (via.port ?? 5060);
      flow = this.flowTo(to.protocol, { address, port });
    } else flow = this.flowTo(to.protocol, { address: 'remote' in to ? to.remote.address : to.address, port: 'remote' in to ? to.remote.port : to.port });
    try {
      flow.send(serializeMessage(message));
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.resolve(flow);
  }

  sentBy(_protocol: TransportProtocol): HostPort {
    return this.local;
  }

  /** @internal */
  deliver(bytes: Uint8Array, protocol: TransportProtocol, from: HostPort): void {
    let message: SipMessage;
    try {
      message = parseMessage(bytes, { datagram: !isReliable(protocol) });
      if (message.kind === 'request') validateRequest(message);
      else validateResponse(message);
    } catch {
      this.rejected.push(bytes);
      return;
    }
    this.onMessage?.({ message, flow: this.flowTo(protocol, from), receivedAt: this.net.clock.now() });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const f of this.flows.values()) f.close();
    return Promise.resolve();
  }
}

/** Two transports on one network: `a` at a.test:5060, `b` at b.test:5060. */
export function loopPair(opts: LoopNetworkOptions): { net: LoopNetwork; a: LoopTransport; b: LoopTransport } {
  const net = new LoopNetwork(opts);
  return { net, a: net.transport('a.test', 5060), b: net.transport('b.test', 5060) };
}
