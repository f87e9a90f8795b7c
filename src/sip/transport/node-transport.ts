import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as tcpConnect, createServer as createTcpServer, isIP, type Server, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions, type TlsOptions } from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import { systemClock, type Clock } from '../../formats/clock.js';
import { flatString } from '../ids.js';
import type { SipMessage, SipResponse } from '../message.js';
import { serializeMessage } from '../serializer.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES, type StreamFramingError } from '../stream-framer.js';
import { newCounters, type TransportCounters } from './counters.js';
import { formatHost, normalizeAddress } from './ip.js';
import { DEFAULT_PORTS } from './limits.js';
import type { NodeFlowContext } from './node-flow-context.js';
import { NodeStreamFlow } from './node-stream-flow.js';
import { UdpFlow, type UdpListener } from './node-udp-flow.js';
import { NodeWsFlow } from './node-ws-flow.js';
import { receiveMessage, refuseHead, type Receipt } from './receive.js';
import type { Endpoint, Flow, HostPort, SipTransport, TransportProtocol } from './types.js';
import { responseDestination } from './via-received.js';

export interface NodeSipTransportOptions {
  readonly clock?: Clock;
  /** Largest header block on a stream (513 beyond it). Default 32 KiB. */
  readonly maxHeaderBytes?: number;
  /** Largest body on a stream or WebSocket (413 beyond it). Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** A stream or WebSocket connection without traffic for this long is closed. Default 10 minutes; 0 disables. */
  readonly idleTimeoutMs?: number;
  /** Incoming connections beyond this many open ones are refused. Default 10000. */
  readonly maxConnections?: number;
  /** Connecting out gives up after this long. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Sent-by host for listeners bound to a wildcard address. Default `os.hostname()`. */
  readonly hostname?: string;
  /** TLS options for outgoing TLS and WSS connections (ca, rejectUnauthorized, client cert...). */
  readonly tlsClient?: ConnectionOptions;
  /** Path requested when connecting out over WS/WSS. Default "/". */
  readonly wsPath?: string;
  /** Prefix of flow ids (default random), so ids of two transports never collide. */
  readonly idPrefix?: string;
  /**
   * Receive and send buffer size asked for UDP sockets (the kernel caps it at
   * net.core.rmem_max). A server needs more than the default ~200 KB so a
   * burst or a garbage-collection pause does not drop datagrams. Default 4 MiB.
   */
  readonly udpBufferBytes?: number;
}

export interface ListenOptions {
  /** Address to bind. Default "0.0.0.0"; an IPv6 address (e.g. "::1", "::") binds IPv6 only. */
  readonly host?: string;
  /** Port to bind; 0 (the default) picks a free one. */
  readonly port?: number;
  /** What `sentBy()` reports for this protocol instead of the bound address (e.g. a public name). */
  readonly sentBy?: HostPort;
}

export interface TlsListenOptions extends ListenOptions {
  /** Certificate, key and the rest, as for `tls.createServer`. */
  readonly tls: TlsOptions;
}

export interface WebSocketListenOptions extends ListenOptions {
  /** Serve WSS with these TLS options (an https server); plain WS without. */
  readonly tls?: TlsOptions;
  /** Path the upgrade must ask for. Default "/sip"; other requests get 404. */
  readonly path?: string;
}

export interface UpgradeOptions {
  /** WSS rather than WS. Default: whether the HTTP socket is TLS. */
  readonly secure?: boolean;
}

type StreamProtocol = Exclude<TransportProtocol, 'UDP'>;

/** Flows of our own making carry a way to tear them down at shutdown. */
type OwnFlow = (NodeStreamFlow | NodeWsFlow) & Flow;

/**
 * The SIP transport layer on Node (RFC 3261 §18): UDP, TCP, TLS and
 * WebSocket (RFC 7118) behind one SipTransport, with connection reuse
 * (RFC 3261 §18.1.1, RFC 5626 flows), received/rport (RFC 3581), stateless
 * answers to malformed requests and CRLF keep-alives (RFC 5626 §3.5.1).
 */
export class NodeSipTransport implements SipTransport {
  onMessage: SipTransport['onMessage'];
  /** Told when a stream or WebSocket flow closes (RFC 5626 §5.3: its bindings stop being usable). */
  onFlowClosed: ((flow: Flow) => void) | undefined;
  /** Socket errors and exceptions thrown by `onMessage`; the transport keeps serving. */
  onError: ((error: Error, flow: Flow | undefined) => void) | undefined;
  readonly counters: TransportCounters = newCounters();

  private readonly clock: Clock;
  private readonly opts: NodeSipTransportOptions;
  private readonly prefix: string;
  private readonly ctx: NodeFlowContext;
  private seq = 0;
  private readonly udp: UdpListener[] = [];
  /**
   * Recently used UDP flows by id: a UDP flow holds no state (RFC 5626 §3),
   * so one object per remote address serves every datagram from and to it
   * instead of one per datagram. Bounded.
   */
  private readonly udpFlows = new Map<number, Map<string, UdpFlow>>();
  private udpFlowCount = 0;
  private readonly udpHooks = {
    wrote: () => void this.counters.messagesOut++,
    error: (e: Error, flow: Flow) => this.onError?.(e, flow),
  };
  private readonly servers: Server[] = [];
  private readonly httpServers: HttpServer[] = [];
  private readonly advertised = new Map<TransportProtocol, HostPort>();
  private readonly flowsById = new Map<string, OwnFlow>();
  /** Open flows by protocol + remote address, for connection reuse. */
  private readonly flowsByKey = new Map<string, OwnFlow>();
  private readonly connecting = new Map<string, Promise<OwnFlow>>();
  /** Raw sockets destroyed at close: connecting out, and every accepted one (some still in a TLS handshake). */
  private readonly pendingSockets = new Set<Socket | WebSocket>();
  private readonly wss: WebSocketServer;
  private closed = false;

  constructor(opts: NodeSipTransportOptions = {}) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.prefix = opts.idPrefix ?? randomBytes(4).toString('hex');
    const maxHeaderBytes = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.ctx = {
      clock: this.clock,
      idleTimeoutMs: opts.idleTimeoutMs ?? 10 * 60 * 1000,
      maxHeaderBytes,
      maxBodyBytes,
      message: (bytes, flow, datagram) => this.dispatch(receiveMessage(bytes, flow.remote, datagram), flow),
      framingError: (e, flow) => this.framingError(e, flow),
      keepAlive: () => void this.counters.keepAlives++,
      idle: () => void this.counters.idleClosed++,
      closed: (flow) => this.flowClosed(flow as OwnFlow),
      error: (e, flow) => this.onError?.(e, flow),
      wrote: () => void this.counters.messagesOut++,
    };
    // RFC 7118 §4: the server accepts the handshake only for the "sip"
    // sub-protocol (checked again in handleUpgrade before ws sees it).
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: maxHeaderBytes + maxBodyBytes,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
  }

  // ---- listening ----------------------------------------------------------

  /** Binds a UDP socket (IPv4 or IPv6 by `host`); resolves with the bound address. */
  async listenUdp(opts: ListenOptions = {}): Promise<HostPort> {
    const listener = await this.bindUdp(opts.host ?? '0.0.0.0', opts.port ?? 0);
    this.advertise('UDP', opts.sentBy ?? this.hostPortFor(listener.local), false);
    return listener.local;
  }

  async listenTcp(opts: ListenOptions = {}): Promise<HostPort> {
    const server = createTcpServer((socket) => this.accept(socket, 'TCP'));
    const local = await this.listenServer(server, opts);
    this.advertise('TCP', opts.sentBy ?? this.hostPortFor(local), false);
    return local;
  }

  async listenTls(opts: TlsListenOptions): Promise<HostPort> {
    const server = createTlsServer(opts.tls, (socket) => this.accept(socket, 'TLS'));
    server.on('tlsClientError', (e) => this.onError?.(e, undefined));
    const local = await this.listenServer(server, opts);
    this.advertise('TLS', opts.sentBy ?? this.hostPortFor(local), false);
    return local;
  }

  /**
   * Serves SIP over WebSocket on a port of its own (WSS when `tls` is given).
   * To share an existing HTTP server instead, call `handleUpgrade` from its
   * 'upgrade' event.
   */
  async listenWebSocket(opts: WebSocketListenOptions = {}): Promise<HostPort> {
    const path = opts.path ?? '/sip';
    const server = opts.tls ? createHttpsServer(opts.tls) : createHttpServer();
    server.on('request', (_req, res) => {
      res.writeHead(404).end();
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (pathOf(req.url) !== path) return refuseUpgrade(socket, 404, 'Not Found');
      this.handleUpgrade(req, socket, head, { secure: opts.tls !== undefined });
    });
    this.httpServers.push(server);
    const local = await this.listenServer(server, opts, false);
    const protocol = opts.tls ? 'WSS' : 'WS';
    this.advertise(protocol, opts.sentBy ?? this.hostPortFor(local), false);
    return local;
  }

  /**
   * Takes over an HTTP upgrade request for SIP over WebSocket (mount it at
   * the path of your choice). Refuses the upgrade unless the client offers
   * the `sip` sub-protocol (RFC 7118 §4) or when `maxConnections` is reached.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, opts: UpgradeOptions = {}): void {
    if (this.closed) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim().toLowerCase());
    // RFC 7118 §4: the client "MUST include the value "sip" in the
    // Sec-WebSocket-Protocol header"; without it this is not SIP at all.
    if (!offered.includes('sip')) return refuseUpgrade(socket, 400, 'Bad Request');
    if (this.counters.connectionsOpen >= this.maxConnections()) {
      this.counters.connectionsRefused++;
      return refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    const secure = opts.secure ?? (req.socket as { encrypted?: boolean }).encrypted === true;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const local = { address: normalizeAddress(req.socket.localAddress ?? ''), port: req.socket.localPort ?? 0 };
      const remote = { address: normalizeAddress(req.socket.remoteAddress ?? ''), port: req.socket.remotePort ?? 0 };
      const protocol = secure ? 'WSS' : 'WS';
      if (this.closed) return ws.terminate();
      this.adopt(new NodeWsFlow(this.newId(protocol), protocol, ws, local, remote, this.ctx));
    });
  }

  /**
   * Sets what `sentBy(protocol)` reports, e.g. the public host and port of
   * the HTTP server that `handleUpgrade` is mounted on.
   */
  advertise(protocol: TransportProtocol, sentBy: HostPort, replace = true): void {
    if (replace || !this.advertised.has(protocol)) this.advertised.set(protocol, sentBy);
  }

  // ---- SipTransport -------------------------------------------------------

  sentBy(protocol: TransportProtocol): HostPort {
    const a = this.advertised.get(protocol);
    if (a) return a;
    // Nothing listens on this protocol: responses come back over the
    // connection anyway (RFC 3261 §18.2.2), so the name only has to be sane.
    return { address: this.opts.hostname ?? osHostname(), port: DEFAULT_PORTS[protocol] };
  }

  async send(message: SipMessage, to: Flow | Endpoint): Promise<Flow> {
    if (this.closed) throw new Error('transport closed');
    const bytes = serializeMessage(message);
    if (message.kind === 'response') return this.sendResponse(message, bytes, to);
    if (isFlow(to)) {
      // RFC 5626 §5.3: a request for a registered flow goes over that flow or not at all.
      to.send(bytes);
      return to;
    }
    const flow = await this.flowTo(to);
    flow.send(bytes);
    return flow;
  }

  /** The open flow with this id (a UDP flow id is always valid while its socket is). */
  flowById(id: string): Flow | undefined {
    const f = this.flowsById.get(id);
    if (f) return f.open ? f : undefined;
    const m = /^([^/]+)\/udp\/(\d+)\/(.+)\/(\d+)$/.exec(id);
    if (!m || m[1] !== this.prefix) return undefined;
    const listener = this.udp[Number(m[2])];
    if (!listener?.open) return undefined;
    return this.udpFlow(listener, { address: m[3]!, port: Number(m[4]) });
  }

  /** The open stream and WebSocket flows. */
  openFlows(): Flow[] {
    return [...this.flowsById.values()].filter((f) => f.open);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waits: Promise<unknown>[] = [];
    for (const s of [...this.servers, ...this.httpServers]) {
      waits.push(new Promise((resolve) => s.close(resolve)));
      (s as { closeAllConnections?: () => void }).closeAllConnections?.();
    }
    for (const f of this.flowsById.values()) f.destroy();
    for (const s of this.pendingSockets) s instanceof WebSocket ? s.terminate() : s.destroy();
    for (const l of this.udp) {
      l.open = false;
      waits.push(new Promise<void>((resolve) => l.socket.close(() => resolve())));
    }
    waits.push(new Promise((resolve) => this.wss.close(resolve)));
    await Promise.all(waits);
  }

  // ---- receiving ----------------------------------------------------------

  private dispatch(r: Receipt, flow: Flow): void {
    switch (r.kind) {
      case 'keepalive':
        this.counters.keepAlives++;
        return;
      case 'message':
        this.counters.messagesIn++;
        try {
          this.onMessage?.({ message: r.message, flow, receivedAt: this.clock.now() });
        } catch (e) {
          this.onError?.(e as Error, flow);
        }
        return;
      case 'reject':
        this.counters.malformed++;
        this.counters.rejected++;
        this.replyStateless(r.response, flow);
        return;
      case 'drop':
        this.counters.malformed++;
        return;
    }
  }

  private framingError(e: StreamFramingError, flow: Flow): void {
    this.dispatch(refuseHead(e.head, e.status, e.reason, flow.remote), flow);
  }

  /** A stateless answer to a malformed request: over its connection, or per its Via for UDP. */
  private replyStateless(res: SipResponse, flow: Flow): void {
    const bytes = serializeMessage(res);
    try {
      if (flow.reliable || !(flow instanceof UdpFlow)) {
        if (flow.open) flow.send(bytes);
        return;
      }
      let dest: HostPort = flow.remote;
      try {
        dest = responseDestination(res);
      } catch {
        // RFC 3261 §18.2.2 needs a usable Via; the source address is the best left.
      }
      this.udpFlow(flow.listener, dest).send(bytes);
    } catch (e) {
      this.onError?.(e as Error, flow);
    }
  }

  // ---- sending ------------------------------------------------------------

  private async sendResponse(res: SipResponse, bytes: Uint8Array, to: Flow | Endpoint): Promise<Flow> {
    // RFC 3261 §18.2.2: "the response MUST be sent using the existing
    // connection to the source of the original request that created the
    // transaction, if that connection is still open."
    if (isFlow(to) && to.reliable && to.open) {
      to.send(bytes);
      return to;
    }
    const dest = responseDestination(res);
    if (dest.protocol === 'UDP') {
      // RFC 3581 §4: send from the socket the request arrived on, so the
      // response passes the NAT binding the request opened.
      const listener = isFlow(to) && to instanceof UdpFlow && to.listener.open ? to.listener : await this.udpFor(dest.address);
      const flow = this.udpFlow(listener, dest);
      flow.send(bytes);
      return flow;
    }
    // The request's connection is gone: one to the same peer will do,
    // else a new one to received / sent-by (not possible towards a WebSocket client).
    const via = res.topVia();
    const received = via.params.get('received');
    const rport = via.params.get('rport');
    if (received && rport) {
      const again = this.flowsByKey.get(keyOf(dest.protocol, received, Number(rport)));
      if (again?.open) {
        again.send(bytes);
        return again;
      }
    }
    if (dest.protocol === 'WS' || dest.protocol === 'WSS') {
      const f = this.flowsByKey.get(keyOf(dest.protocol, dest.address, dest.port));
      if (!f?.open) throw new Error(`no open ${dest.protocol} connection to ${dest.address}:${dest.port}`);
      f.send(bytes);
      return f;
    }
    const flow = await this.flowTo(dest);
    flow.send(bytes);
    return flow;
  }

  /** A flow to an endpoint: the UDP socket, an open connection to it (reused), or a new connection. */
  private async flowTo(to: Endpoint): Promise<Flow> {
    if (to.protocol === 'UDP') return this.udpFlow(await this.udpFor(to.address), to);
    const protocol = to.protocol;
    const key = keyOf(protocol, to.address, to.port);
    const open = this.flowsByKey.get(key);
    if (open?.open) return open;
    let pending = this.connecting.get(key);
    if (!pending) {
      pending = this.connect(protocol, to).finally(() => this.connecting.delete(key));
      this.connecting.set(key, pending);
    }
    const flow = await pending;
    // The name we were asked for may differ from the address we reached (e.g. "localhost").
    if (!this.flowsByKey.has(key)) this.flowsByKey.set(key, flow);
    return flow;
  }

  private connect(protocol: StreamProtocol, to: HostPort): Promise<OwnFlow> {
    return new Promise<OwnFlow>((resolve, reject) => {
      const host = to.address;
      const servername = isIP(host) === 0 ? host : undefined;
      let settled = false;
      const timer = this.clock.setTimeout(() => fail(new Error(`connecting to ${host}:${to.port} timed out`)), this.opts.connectTimeoutMs ?? 10_000);
      const done = (flow: OwnFlow) => {
        if (settled || this.closed) {
          flow.destroy();
          if (!settled) fail(new Error('transport closed'));
          return;
        }
        settled = true;
        this.clock.clearTimeout(timer);
        resolve(flow);
      };
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        cleanup();
        reject(e);
      };
      let cleanup = () => {};
      if (protocol === 'TCP' || protocol === 'TLS') {
        const socket =
          protocol === 'TCP'
            ? tcpConnect({ host, port: to.port })
            : tlsConnect({ ...this.opts.tlsClient, host, port: to.port, ...(servername ? { servername } : {}) });
        this.pendingSockets.add(socket);
        cleanup = () => {
          this.pendingSockets.delete(socket);
          socket.destroy();
        };
        socket.once('error', fail);
        socket.once(protocol === 'TCP' ? 'connect' : 'secureConnect', () => {
          this.pendingSockets.delete(socket);
          socket.off('error', fail);
          if (settled) return socket.destroy();
          done(this.adopt(new NodeStreamFlow(this.newId(protocol), protocol, socket, this.ctx)));
        });
        return;
      }
      const scheme = protocol === 'WSS' ? 'wss' : 'ws';
      const url = `${scheme}://${formatHost(host)}:${to.port}${this.opts.wsPath ?? '/'}`;
      const ws = new WebSocket(url, 'sip', {
        ...(protocol === 'WSS' ? this.opts.tlsClient : {}),
        maxPayload: this.ctx.maxHeaderBytes + this.ctx.maxBodyBytes,
      });
      this.pendingSockets.add(ws);
      cleanup = () => {
        this.pendingSockets.delete(ws);
        ws.terminate();
      };
      ws.once('error', fail);
      ws.once('open', () => {
        this.pendingSockets.delete(ws);
        ws.off('error', fail);
        // RFC 7118 §4: a client whose "sip" offer was not accepted closes the connection.
        if (ws.protocol !== 'sip') return fail(new Error(`${url} did not accept the sip sub-protocol`));
        if (settled) return ws.terminate();
        const s = (ws as unknown as { _socket: Socket })._socket;
        const local = { address: normalizeAddress(s.localAddress ?? ''), port: s.localPort ?? 0 };
        const remote = { address: normalizeAddress(s.remoteAddress ?? host), port: s.remotePort ?? to.port };
        done(this.adopt(new NodeWsFlow(this.newId(protocol), protocol, ws, local, remote, this.ctx)));
      });
    });
  }

  // ---- connections --------------------------------------------------------

  private accept(socket: Socket, protocol: 'TCP' | 'TLS'): void {
    if (this.closed) return void socket.destroy();
    if (this.counters.connectionsOpen >= this.maxConnections()) {
      this.counters.connectionsRefused++;
      socket.destroy();
      return;
    }
    this.adopt(new NodeStreamFlow(this.newId(protocol), protocol, socket, this.ctx));
  }

  private adopt<F extends OwnFlow>(flow: F): F {
    this.flowsById.set(flow.id, flow);
    this.flowsByKey.set(keyOf(flow.protocol, flow.remote.address, flow.remote.port), flow);
    this.counters.connectionsOpen++;
    this.counters.connectionsTotal++;
    return flow;
  }

  private flowClosed(flow: OwnFlow): void {
    if (!this.flowsById.delete(flow.id)) return;
    for (const [k, f] of this.flowsByKey) if (f === flow) this.flowsByKey.delete(k);
    this.counters.connectionsOpen--;
    try {
      this.onFlowClosed?.(flow);
    } catch (e) {
      this.onError?.(e as Error, flow);
    }
  }

  private maxConnections(): number {
    return this.opts.maxConnections ?? 10_000;
  }

  private newId(protocol: TransportProtocol): string {
    return `${this.prefix}/${protocol.toLowerCase()}/${++this.seq}`;
  }

  // ---- UDP ----------------------------------------------------------------

  private bindUdp(host: string, port: number): Promise<UdpListener> {
    const family = isIP(host) === 6 ? 6 : 4;
    const socket: UdpSocket = createSocket(family === 6 ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        const a = socket.address();
        const want = this.opts.udpBufferBytes ?? 4 * 1024 * 1024;
        try {
          socket.setRecvBufferSize(want);
          socket.setSendBufferSize(want);
        } catch {
          // Best effort: the kernel may refuse; the default buffers still work.
        }
        const listener: UdpListener = {
          index: this.udp.length,
          socket,
          local: { address: normalizeAddress(a.address), port: a.port },
          family,
          open: true,
        };
        this.udp.push(listener);
        socket.on('error', (e) => this.onError?.(e, undefined));
        socket.on('message', (msg, rinfo) => {
          const flow = this.udpFlow(listener, { address: normalizeAddress(rinfo.address), port: rinfo.port });
          // RFC 3261 §18.3: a datagram is one message; without Content-Length its body is the rest.
          this.dispatch(receiveMessage(msg, flow.remote, true), flow);
        });
        resolve(listener);
      });
    });
  }

  /** The UDP socket of the address's family; binds an ephemeral one when none listens yet. */
  private async udpFor(address: string): Promise<UdpListener> {
    const family = isIP(address) === 6 ? 6 : 4;
    const l = this.udp.find((u) => u.open && u.family === family);
    if (l) return l;
    return this.bindUdp(family === 6 ? '::' : '0.0.0.0', 0);
  }

  private udpFlow(listener: UdpListener, remote: HostPort): UdpFlow {
    // Looked up per datagram: by port (a small integer) first, then by the address as given.
    const port = remote.port;
    let byAddress = this.udpFlows.get(port);
    const cached = byAddress?.get(remote.address);
    if (cached !== undefined && cached.listener === listener) return cached;
    const address = normalizeAddress(remote.address);
    // The id outlives the datagram (bindings, transactions): make it a string of its own.
    const id = flatString(`${this.prefix}/udp/${listener.index}/${address}/${port}`);
    const flow = new UdpFlow(id, listener, { address: flatString(address), port }, this.udpHooks);
    // Full: start over (flows are rebuilt at will; evicting one at a time
    // would leave deleted slots at the map's front for every later eviction to walk).
    if (this.udpFlowCount >= UDP_FLOW_CACHE) {
      this.udpFlows.clear();
      this.udpFlowCount = 0;
      byAddress = undefined;
    }
    if (byAddress === undefined) this.udpFlows.set(port, (byAddress = new Map()));
    if (!byAddress.has(remote.address)) this.udpFlowCount++;
    byAddress.set(remote.address, flow);
    return flow;
  }

  // ---- helpers ------------------------------------------------------------

  private listenServer(server: Server, opts: ListenOptions, keep = true): Promise<HostPort> {
    const host = opts.host ?? '0.0.0.0';
    // Sockets still in a TLS handshake (or an HTTP request) would hold close() open.
    server.on('connection', (socket: Socket) => {
      this.pendingSockets.add(socket);
      socket.once('close', () => this.pendingSockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: opts.port ?? 0, ipv6Only: isIP(host) === 6 }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.onError?.(e, undefined));
        if (keep) this.servers.push(server);
        const a = server.address();
        if (a === null || typeof a === 'string') return reject(new Error('listening on a pipe'));
        resolve({ address: normalizeAddress(a.address), port: a.port });
      });
    });
  }

  /** A bound address as a sent-by: a wildcard address is replaced by the host name. */
  private hostPortFor(local: HostPort): HostPort {
    const wildcard = local.address === '0.0.0.0' || local.address === '::';
    return { address: wildcard ? (this.opts.hostname ?? osHostname()) : local.address, port: local.port };
  }
}

const UDP_FLOW_CACHE = 4096;

function isFlow(to: Flow | Endpoint): to is Flow {
  return typeof (to as Flow).send === 'function' && typeof (to as Flow).id === 'string';
}

function keyOf(protocol: TransportProtocol, address: string, port: number): string {
  return `${protocol}|${normalizeAddress(address)}|${port}`;
}

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.once('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}
