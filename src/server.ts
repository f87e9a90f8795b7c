import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { Metrics } from './http/metrics.js';
import { openSqlite, type SqliteDatabase } from './store/sqlite/open.js';
import { SqliteUsers } from './store/sqlite/users.js';
import { SqliteBindings } from './store/sqlite/bindings.js';

/** What `startServer` returns: the running service. */
export interface RunningServer {
  readonly log: Logger;
  readonly config: Config;
  /** Listening addresses for the `simpleim ready` line, e.g. "sip:udp:127.0.0.1:5060". */
  addresses(): string[];
  stop(): Promise<void>;
}

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The composition root: opens the store, starts every listener from a
 * validated config and wires the layers together. Nothing else constructs
 * transports or stores.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  const log = pino({ level: config.logLevel, base: { svc: 'simpleim' } }, pino.destination(2));
  mkdirSync(config.data, { recursive: true });
  const db: SqliteDatabase = openSqlite(join(config.data, 'simpleim.db'));
  const users = new SqliteUsers(db, config.domain);
  const bindings = new SqliteBindings(db);
  const metrics = new Metrics();
  const secret = loadSecret(config.data);
  void users;
  void bindings;
  void secret;

  const upgrades = new Map<string, UpgradeHandler>();
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
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  await listen(http, config.http.host, config.http.port);
  const addresses = [`http:${config.http.host}:${config.http.port}`];
  log.info({ addresses }, 'listening');

  return {
    log,
    config,
    addresses: () => addresses,
    async stop() {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections?.();
      db.close();
      log.flush?.();
    },
  };
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
