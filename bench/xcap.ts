import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../src/store/sqlite/open.js';
import { SqliteXcapDocuments } from '../src/store/sqlite/xcap-documents.js';
import { createXcapHandler } from '../src/xdms/xcap-handler-node.js';

const USER = 'sip:bench@example.com';
const CONCURRENCY = 16;
const SECONDS = 3;

/**
 * GETs/s of one entry selected by attribute from a 1,000-entry resource list,
 * and PUTs/s replacing one entry, over keep-alive HTTP on loopback with 16
 * requests in flight, against a file-backed SQLite store (WAL, synchronous=FULL).
 */
export async function benchXcap(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'simpleim-xcap-bench-'));
  const store = new SqliteXcapDocuments(openSqlite(join(dir, 'xcap.db')));
  const handler = createXcapHandler({ store, authenticator: { authenticate: async () => ({ user: USER }) } });
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const doc = `/xcap/resource-lists/users/${encodeURIComponent(USER)}/index`;
  const entries = Array.from({ length: 1000 }, (_, i) => `\n  <entry uri="sip:user${i}@example.com"><display-name>User ${i}</display-name></entry>`).join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n <list name="contacts">${entries}\n </list>\n</resource-lists>\n`;
  const call = (method: string, path: string, payload?: string, type?: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (payload !== undefined) {
        headers['Content-Type'] = type!;
        headers['Content-Length'] = Buffer.byteLength(payload);
      }
      const r = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      r.on('error', reject);
      r.end(payload);
    });
  const entry = `${doc}/~~/resource-lists/list%5b@name=%22contacts%22%5d/entry%5b@uri=%22sip:user500@example.com%22%5d`;
  const run = async (label: string, op: (i: number) => Promise<number>, ok: (s: number) => boolean): Promise<void> => {
    let n = 0;
    let bad = 0;
    const end = performance.now() + SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const st = await op(n++);
          if (!ok(st)) bad++;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    console.log(`xcap ${label}: ${Math.round(n / secs)} req/s (${n} in ${secs.toFixed(1)} s, ${bad} unexpected statuses)`);
  };
  try {
    const st = await call('PUT', doc, body, 'application/resource-lists+xml');
    if (st !== 201) throw new Error(`setup PUT: ${st}`);
    await run('GET one entry by node selector (1,000-entry list)', () => call('GET', entry), (s) => s === 200);
    await run('PUT one entry (replace, 1,000-entry list)', (i) =>
      call('PUT', entry, `<entry uri="sip:user500@example.com"><display-name>User 500 v${i}</display-name></entry>`, 'application/xcap-el+xml'), (s) => s === 200);
  } finally {
    agent.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchXcap();
