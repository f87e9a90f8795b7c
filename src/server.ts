import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readFileSync as readFile, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { Metrics } from './http/metrics.js';
import { openSqlite, type SqliteDatabase } from './store/sqlite/open.js';
import { WalCheckpointer } from './store/sqlite/wal-checkpointer.js';
import { IdleCollection } from './idle-collection.js';
import { SqliteUsers } from './store/sqlite/users.js';
import { SqliteBindings } from './store/sqlite/bindings.js';
import { lookup } from 'node:dns/promises';
import { NonceIssuer } from './formats/digest-nonce.js';
import { nodeDigestHash, nodeHmacSha256 } from './formats/node-digest-hash.js';
import { systemClock } from './formats/clock.js';
import { NodeSipTransport } from './sip/transport/node-transport.js';
import { TransactionLayer } from './sip/transaction/transaction-layer.js';
import { newTag, randomOctets } from './sip/ids.js';
import { DigestAuthenticator } from './core/digest-auth.js';
import { LocalAddresses } from './core/local-addresses.js';
import { Registrar } from './core/registrar.js';
import { SipCore } from './core/sip-core.js';
import { SqliteXcapDocuments } from './store/sqlite/xcap-documents.js';
import { createXcapHandler } from './xdms/xcap-handler-node.js';
import { XdmsDirectory } from './xdms/xdms-directory.js';
import { composeHooks } from './core/compose-hooks.js';
import { XcapDiffNotifier } from './xdms/xcap-diff-notifier.js';
import { RegEventNotifier } from './core/reg-event/reg-event-notifier.js';
import { HttpDigestAuthenticator } from './http/http-digest.js';
import { MsrpRelay } from './msrp/relay/relay.js';
import { MsrpServer } from './msrp/transport/node-server.js';
import { MsrpWebSocketServer } from './msrp/transport/node-websocket-server.js';
import { NodeTcpConnector } from './msrp/transport/node-tcp.js';
import { ImServer } from './im/im-server.js';
import { SqliteDeferredMessages } from './store/sqlite/deferred-messages.js';

/** What `startServer` returns: the running service. */
export interface RunningServer {
  readonly log: Logger;
  readonly config: Config;
  /** Listening addresses for the `simpleim ready` line, e.g. "sip:udp:127.0.0.1:5060". */
  addresses(): string[];
  stop(): Promise<void>;
}

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
/** An HTTP handler mounted at a path prefix (XCAP at /xcap/, the IM API at /im/...). */
type HttpRoute = { readonly prefix: string; readonly handle: (req: IncomingMessage, res: ServerResponse) => void };

/**
 * The composition root: opens the store, starts every listener from a
 * validated config and wires the layers together. Nothing else constructs
 * transports or stores.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  const log = pino({ level: config.logLevel, base: { svc: 'simpleim' } }, pino.destination(2));
  mkdirSync(config.data, { recursive: true });
  const dbPath = join(config.data, 'simpleim.db');
  const db: SqliteDatabase = openSqlite(dbPath);
  const checkpointer = new WalCheckpointer(db, dbPath);
  const idle = new IdleCollection();
  const users = new SqliteUsers(db, config.domain);
  users.preload();
  const bindings = new SqliteBindings(db);
  const metrics = new Metrics();
  const secret = loadSecret(config.data);
  const now = () => systemClock.now();

  // ---- SIP/IP core -----------------------------------------------------------
  const transport = new NodeSipTransport({ clock: systemClock });
  transport.onError = (err) => log.debug({ err }, 'transport error');
  const local = new LocalAddresses(config.domain);
  const nonces = new NonceIssuer({
    secret,
    now,
    random: randomOctets,
    lifetimeMs: config.nonceLifetime * 1000,
    mac: nodeHmacSha256,
  });
  const auth = new DigestAuthenticator({ realm: config.domain, users, nonces, algorithms: config.digestAlgorithms, hash: nodeDigestHash });
  const registrar = new Registrar({
    bindings,
    minExpires: config.minExpires,
    maxExpires: config.maxExpires,
    defaultExpires: config.defaultExpires,
    toTag: () => newTag(),
  });
  let core!: SipCore;
  const layer = new TransactionLayer({
    transport,
    clock: systemClock,
    core: {
      receiveRequest: (r, i) => core.receiveRequest(r, i),
      receiveAck: (a, i) => core.receiveAck(a, i),
      receiveStrayResponse: (r, i) => core.receiveStrayResponse(r, i),
      receiveCancel: (c, inv, i) => core.receiveCancel(c, inv, i),
    },
    rport: true,
  });
  core = new SipCore({
    layer,
    transport,
    local,
    users,
    bindings,
    registrar,
    auth,
    resolve: async (host) => (await lookup(host)).address,
    routes: config.routes,
    log,
    now,
    observer: {
      request: (method) => {
        metrics.countRequest(method);
        idle.activity();
      },
      response: (method, status) => metrics.countResponse(method, status),
      register: (outcome) => metrics.countRegister(outcome),
    },
  });
  transport.onFlowClosed = (flow) => core.flowClosed(flow);

  // ---- HTTP routes (each feature mounts its prefix) ------------------------------
  const routes: HttpRoute[] = [];
  const httpAuth = new HttpDigestAuthenticator({ realm: config.domain, domain: config.domain, users, nonces, algorithms: config.digestAlgorithms, hash: nodeDigestHash });

  // ---- XDMS (RFC 4825 XCAP with the OMA IM usages) ---------------------------------
  const xcapDocuments = new SqliteXcapDocuments(db);
  const xdms = new XdmsDirectory(xcapDocuments);
  const xcap = createXcapHandler({
    store: xcapDocuments,
    authenticator: httpAuth,
    root: '/xcap',
    trustedUsers: [`sip:im-server@${config.domain}`],
    userExists: async (xui) => {
      const m = /^sips?:([^@]+)@(.+)$/.exec(xui);
      return !!m && m[2]!.toLowerCase() === config.domain.toLowerCase() && (await users.exists(m[1]!));
    },
  });
  routes.push({ prefix: '/xcap/', handle: xcap });

  // ---- IM server (participating and controlling functions) ----
  // Pager mode, deferred messages and access control (OMA IM digest §3, §8); the core calls its hooks.
  const im = new ImServer({
    domain: config.domain,
    core,
    layer,
    transport,
    deferred: new SqliteDeferredMessages(db),
    documents: xcapDocuments,
    policies: xdms,
    groups: xdms,
    auth: httpAuth,
    clock: systemClock,
    limits: { maxBodyBytes: config.pagerMaxBytes, maxUdpBytes: config.pagerMaxUdpBytes },
    deferredMaxAgeMs: config.deferredMaxAgeDays * 86_400_000,
    deferredQuota: config.deferredQuota,
    registry: metrics.registry,
    log,
  });
  if (config.imServer) {
    core.hooks = im.hooks;
    registrar.addChangeListener((aor, all, added) => im.onRegistrationChange(aor, all, added));
    routes.push({ prefix: '/im/', handle: (req, res) => im.handleHttp(req, res) });
    im.start();
  }
  // ---- end IM server ----

  // ---- XDMS change notification ----
  // RFC 5875 xcap-diff: a user SUBSCRIBEs to their own AoR and is NOTIFYed of every committed document
  // change (any writer). After the IM server's block, so that its `core.hooks = ...` does not replace ours.
  const xcapDiff = new XcapDiffNotifier({
    layer,
    store: xcapDocuments,
    clock: systemClock,
    domain: config.domain,
    xcapRoot: () => {
      const a = http.address();
      return `http://${config.domain}:${typeof a === 'object' && a ? a.port : config.http.port}/xcap`;
    },
  });
  core.hooks = composeHooks(core.hooks, xcapDiff.hooks);
  // ---- end XDMS change notification ----

  // ---- Registration event package (RFC 3680) ----
  // A user SUBSCRIBEs (Event: reg) to their own AoR and is NOTIFYed of every contact registered,
  // refreshed, removed or expired. After the blocks above, so that their `core.hooks = ...` keep ours.
  const regEvent = new RegEventNotifier({ layer, bindings, clock: systemClock, domain: config.domain });
  registrar.addChangeListener((aor, all, added) => regEvent.registrationChanged(aor, all, added));
  core.hooks = composeHooks(core.hooks, regEvent.hooks);
  // ---- end Registration event package ----

  const upgrades = new Map<string, UpgradeHandler>();
  upgrades.set('/sip', (req, socket, head) => transport.handleUpgrade(req, socket, head));

  // ---- MSRP relay (RFC 4976) on TCP, TLS and WebSocket (RFC 7977) -----------------
  const msrpRelay = new MsrpRelay({
    host: config.msrp.host,
    port: config.msrp.port,
    aliases: [config.http.host, config.domain],
    realm: config.domain,
    users: { lookupHa1: (name, realm, alg) => users.ha1(name, realm, alg) },
    nonces,
    hash: nodeDigestHash,
    connector: new NodeTcpConnector(),
    algorithms: config.digestAlgorithms,
  });
  const msrpWs = new MsrpWebSocketServer({ sink: msrpRelay, path: '/msrp' });
  upgrades.set('/msrp', (req, socket, head) => msrpWs.handleUpgrade(req, socket, head));
  const msrpServers: MsrpServer[] = [new MsrpServer({ sink: msrpRelay, host: config.msrp.host, port: config.msrp.port })];
  if (config.msrps) {
    msrpServers.push(
      new MsrpServer({
        sink: msrpRelay,
        host: config.msrps.host,
        port: config.msrps.port,
        tls: { cert: readFile(config.tlsCert!), key: readFile(config.tlsKey!) },
      }),
    );
  }
  const http = createServer((req, res) => void handleHttp(req, res));
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const h = upgrades.get(path);
    if (!h) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    h(req, socket, head);
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/metrics') {
      const t = Date.now();
      metrics.registrations.set(await bindings.count(t));
      metrics.transactions.set({ side: 'client' }, layer.clientTransactionCount);
      metrics.transactions.set({ side: 'server' }, layer.serverTransactionCount);
      const byProto = new Map<string, number>();
      for (const f of transport.openFlows()) byProto.set(f.protocol, (byProto.get(f.protocol) ?? 0) + 1);
      for (const p of ['TCP', 'TLS', 'WS', 'WSS']) metrics.connections.set({ protocol: p }, byProto.get(p) ?? 0);
      metrics.sipMalformed.reset();
      metrics.sipMalformed.inc(transport.counters.malformed ?? 0);
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      return;
    }
    const route = routes.find((r) => path.startsWith(r.prefix));
    if (route) return route.handle(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  const addresses: string[] = [];
  const sipHost = config.sip.host;
  const udp = await transport.listenUdp({ host: sipHost, port: config.sip.port });
  const tcp = await transport.listenTcp({ host: sipHost, port: config.sip.port });
  local.add(udp);
  local.add(tcp);
  addresses.push(`sip:udp:${fmt(udp)}`, `sip:tcp:${fmt(tcp)}`);
  if (config.sips) {
    const tls = await transport.listenTls({
      host: config.sips.host,
      port: config.sips.port,
      tls: { cert: readFile(config.tlsCert!), key: readFile(config.tlsKey!) },
    });
    local.add(tls);
    addresses.push(`sips:tls:${fmt(tls)}`);
  }
  await listen(http, config.http.host, config.http.port);
  const httpAddr = http.address();
  const httpPort = typeof httpAddr === 'object' && httpAddr ? httpAddr.port : config.http.port;
  transport.advertise('WS', { address: config.http.host, port: httpPort });
  local.add({ address: config.http.host, port: httpPort });
  addresses.push(`http:${config.http.host}:${httpPort}`, `ws:${config.http.host}:${httpPort}/sip`);
  for (const m of msrpServers) {
    const a = await m.listen();
    addresses.push(`${m.secure ? 'msrps' : 'msrp'}:${fmt({ address: a.host, port: a.port })}`);
  }
  addresses.push(`msrp-ws:${config.http.host}:${httpPort}/msrp`);

  // Expired bindings leave the store on time even when nobody asks for them.
  const purge = setInterval(() => void bindings.purgeExpired(Date.now()), 30_000);
  purge.unref();
  log.info({ addresses }, 'listening');

  return {
    log,
    config,
    addresses: () => addresses,
    async stop() {
      clearInterval(purge);
      // In-flight transactions get a moment to finish before the sockets go.
      const deadline = Date.now() + 2000;
      while (layer.unfinishedCount > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      regEvent.close();
      xcapDiff.close();
      layer.close();
      await transport.close();
      msrpRelay.close();
      await Promise.all(msrpServers.map((m) => m.close()));
      msrpWs.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections?.();
      });
      idle.close();
      await im.stop();
      await checkpointer.close();
      db.close();
      log.flush?.();
    },
  };
}

function fmt(hp: { address: string; port: number }): string {
  return hp.address.includes(':') ? `[${hp.address}]:${hp.port}` : `${hp.address}:${hp.port}`;
}

function listen(server: HttpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The HMAC secret for digest nonces, kept in the data directory so nonces survive a restart. */
function loadSecret(dir: string): Uint8Array {
  const path = join(dir, 'nonce-secret');
  if (existsSync(path)) return readFileSync(path);
  const s = randomBytes(32);
  writeFileSync(path, s, { mode: 0o600 });
  return s;
}

export type { UpgradeHandler, HttpServer };
