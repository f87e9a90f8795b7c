import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteXcapDocuments } from '../../src/store/sqlite/xcap-documents.js';
import type { XcapDocumentChange } from '../../src/store/xcap-documents.js';
import { createXcapHandler, type XcapAuthenticator } from '../../src/xdms/xcap-handler-node.js';

/** Test-only authenticator: HTTP Basic against a fixed username -> password map; the username is the XUI. */
export function basicAuthenticator(users: Record<string, string>): XcapAuthenticator {
  return {
    async authenticate(req: IncomingMessage) {
      const h = req.headers.authorization ?? '';
      const m = /^Basic (.+)$/.exec(h);
      if (m !== null) {
        const [u, ...rest] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
        // The XUI itself contains a colon ("sip:alice@..."): the password is after the last one.
        const all = [u, ...rest];
        const pw = all.pop()!;
        const user = all.join(':');
        if (users[user] === pw) return { user };
      }
      return { challenge: { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="xcap"' } } };
    },
  };
}

export const ALICE = 'sip:alice@example.com';
export const BOB = 'sip:bob@example.com';
export const CAROL = 'sip:carol@example.com';
export const IMS = 'sip:im-server@example.com';

export interface TestServer {
  readonly port: number;
  readonly changes: XcapDocumentChange[];
  readonly store: SqliteXcapDocuments;
  close(): Promise<void>;
  req(method: string, path: string, opts?: { user?: string; body?: string | Uint8Array; type?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>;
}

export async function startXcapServer(): Promise<TestServer> {
  const store = new SqliteXcapDocuments(openSqlite(':memory:'));
  const changes: XcapDocumentChange[] = [];
  const users = { [ALICE]: 'a', [BOB]: 'b', [CAROL]: 'c', [IMS]: 'i' };
  const handler = createXcapHandler({
    store,
    authenticator: basicAuthenticator(users),
    trustedUsers: [IMS],
    userExists: (x) => x in users || x === 'sip:joe@example.com',
    onChange: (c) => changes.push(c),
  });
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/xcap/')) handler(req, res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const pw: Record<string, string> = users;
  return {
    port,
    changes,
    store,
    close: () => new Promise((r) => server.close(() => r())),
    req(method, path, opts = {}) {
      const user = opts.user === undefined ? ALICE : opts.user;
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (user !== '') headers.Authorization = 'Basic ' + Buffer.from(`${user}:${pw[user]}`).toString('base64');
      if (opts.type !== undefined) headers['Content-Type'] = opts.type;
      return new Promise((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        });
        r.on('error', reject);
        if (opts.body !== undefined) r.end(opts.body);
        else r.end();
      });
    },
  };
}

export const RL = 'application/resource-lists+xml';
export const EL = 'application/xcap-el+xml';
export const ATT = 'application/xcap-att+xml';
export const aliceRl = `/xcap/resource-lists/users/${encodeURIComponent(ALICE)}/index`;
