import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { openSqlite } from '../src/store/sqlite/open.js';
import { SqliteXcapDocuments } from '../src/store/sqlite/xcap-documents.js';
import { createXcapHandler } from '../src/xdms/xcap-handler-node.js';

const USER = 'sip:bench@example.com';
const CONCURRENCY = 16;
const SECONDS = 3;

/**
 * The load generator, in a child process so that its HTTP client shares
 * neither the server's thread nor its CPU account: keep-alive connections,
 * CONCURRENCY requests in flight, each phase for SECONDS. Plain JavaScript
 * (node -e) so it needs no TypeScript loader; it talks to us over IPC.
 */
const CLIENT = `
const { Agent, request } = require('node:http');
const send = (m) => new Promise((r) => process.send(m, r));
process.once('message', (workerData) => main(workerData).catch((e) => send({ error: String(e) }).then(() => process.exit(1))));
async function main(workerData) {
const { port, concurrency, seconds, doc, entry, body } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
function call(method, path, payload, type) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (payload !== undefined) {
      headers['Content-Type'] = type;
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    const r = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    r.on('error', reject);
    r.end(payload);
  });
}
async function run(label, op, ok) {
  await send({ phase: label });
  let n = 0, bad = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const st = await op(n++);
      if (!ok(st)) bad++;
    }
  }));
  const r = { n, bad, secs: (performance.now() - t0) / 1000 };
  await send({ done: label, ...r });
}
  const st = await call('PUT', doc, body, 'application/resource-lists+xml');
  if (st !== 201) throw new Error('setup PUT: ' + st);
  await run('get', () => call('GET', entry), (s) => s === 200);
  await run('put', (i) => call('PUT', entry,
    '<entry uri="sip:user500@example.com"><display-name>User 500 v' + i + '</display-name></entry>', 'application/xcap-el+xml'), (s) => s === 200);
  agent.destroy();
  await send({ end: true });
  process.exit(0);
}
`;

interface Phase {
  readonly n: number;
  readonly bad: number;
  readonly secs: number;
}

/**
 * GETs/s of one entry selected by attribute from a 1,000-entry resource list,
 * and PUTs/s replacing one entry, over keep-alive HTTP on loopback with 16
 * requests in flight, against a file-backed SQLite store (WAL, synchronous=FULL).
 * The client runs in a worker thread; the server has the main thread.
 */
export async function benchXcap(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'simpleim-xcap-bench-'));
  const store = new SqliteXcapDocuments(openSqlite(join(dir, 'xcap.db')));
  const handler = createXcapHandler({ store, authenticator: { authenticate: async () => ({ user: USER }) } });
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const doc = `/xcap/resource-lists/users/${encodeURIComponent(USER)}/index`;
  const entries = Array.from({ length: 1000 }, (_, i) => `\n  <entry uri="sip:user${i}@example.com"><display-name>User ${i}</display-name></entry>`).join('');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n <list name="contacts">${entries}\n </list>\n</resource-lists>\n`;
  const entry = `${doc}/~~/resource-lists/list%5b@name=%22contacts%22%5d/entry%5b@uri=%22sip:user500@example.com%22%5d`;
  const labels: Record<string, string> = {
    get: 'GET one entry by node selector (1,000-entry list)',
    put: 'PUT one entry (replace, 1,000-entry list)',
  };
  try {
    const client = spawn(process.execPath, ['-e', CLIENT], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      // The server's CPU time per request (this process only) is less sensitive to a busy machine than req/s.
      let cpu = process.cpuUsage();
      client.on('message', (m: { phase?: string; done?: string; end?: boolean; error?: string } & Partial<Phase>) => {
        if (m.phase !== undefined) cpu = process.cpuUsage();
        else if (m.done !== undefined) {
          const used = process.cpuUsage(cpu);
          const p = m as Phase;
          const perReq = (used.user + used.system) / Math.max(1, p.n);
          console.log(
            `xcap ${labels[m.done]}: ${Math.round(p.n / p.secs)} req/s (${p.n} in ${p.secs.toFixed(1)} s, ${p.bad} unexpected statuses; server CPU ${Math.round(perReq)} µs/request)`,
          );
        } else if (m.error !== undefined) reject(new Error(m.error));
        else if (m.end) resolve();
      });
      client.once('error', reject);
      client.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench client exited with ${code}`))));
      client.send({ port, concurrency: CONCURRENCY, seconds: SECONDS, doc, entry, body });
    });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchXcap();
