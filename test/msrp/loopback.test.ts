import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { MsrpEndpoint } from '../../src/msrp/endpoint.js';
import { MsrpServer } from '../../src/msrp/transport/node-server.js';
import { NodeTcpConnector } from '../../src/msrp/transport/node-tcp.js';
import { MsrpWebSocketServer } from '../../src/msrp/transport/node-websocket-server.js';
import { WebSocketConnector, type WebSocketConstructor } from '../../src/msrp/transport/browser-websocket.js';
import type { MsrpTransport } from '../../src/msrp/transport/transport.js';
import type { ReceivedMessage } from '../../src/msrp/session.js';
import { MsrpRelay } from '../../src/msrp/relay/relay.js';
import { RelayAuthError } from '../../src/msrp/relay/relay-auth-client.js';
import { MsrpStreamParser } from '../../src/msrp/parser.js';
import type { MsrpMessage } from '../../src/msrp/message.js';
import { computeHa1 } from '../../src/formats/digest.js';
import { NonceIssuer } from '../../src/formats/digest-nonce.js';
import { patternBytes, tcpPair } from './helpers/loopback.js';

const TEN_MB = 10 * 1024 * 1024;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

function listen(server: Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
}

let certDir: string;
let key: Buffer;
let cert: Buffer;

before(() => {
  certDir = mkdtempSync(join(tmpdir(), 'msrp-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  key = readFileSync(join(certDir, 'key.pem'));
  cert = readFileSync(join(certDir, 'cert.pem'));
});

after(() => rmSync(certDir, { recursive: true, force: true }));

describe('MSRP on loopback', () => {
  test('TCP: a 10 MB message in 2048-octet chunks arrives intact with a Success-Report', async () => {
    const p = await tcpPair();
    try {
      const body = patternBytes(TEN_MB);
      const m = p.aliceSession.send(body, { successReport: true, contentType: 'application/octet-stream' });
      const [got, outcome] = await Promise.all([p.nextMessage(), m.done]);
      assert.deepEqual(outcome, { ok: true, status: 200, cause: 'report' });
      assert.ok(sameBytes(got.body, body));
    } finally {
      await p.close();
    }
  });

  test('TLS (msrps): a 10 MB message arrives intact with a Success-Report', async () => {
    const p = await tcpPair({
      tls: { key, cert },
      // Self-signed, pinned by CA; the URI host is an IP so the name check is skipped (RFC 4975 §14.4 relaxes it).
      connector: { tls: { ca: cert, checkServerIdentity: () => undefined } },
    });
    try {
      assert.equal(p.aliceSession.localUri.scheme, 'msrps');
      assert.equal(p.aliceSession.connection!.transport.secure, true);
      const body = patternBytes(TEN_MB, 3);
      const m = p.aliceSession.send(body, { successReport: true, contentType: 'application/octet-stream', chunkSize: 65536 });
      const [got, outcome] = await Promise.all([p.nextMessage(), m.done]);
      assert.equal(outcome.ok, true);
      assert.ok(sameBytes(got.body, body));
    } finally {
      await p.close();
    }
  });

  test('WebSocket (RFC 7977, sub-protocol msrp): a 10 MB message arrives intact with a Success-Report', async () => {
    let bob: MsrpEndpoint | undefined;
    const wss = new MsrpWebSocketServer({ sink: { acceptTransport: (t: MsrpTransport) => bob!.acceptTransport(t) } });
    const http = createServer((_req, res) => res.writeHead(404).end());
    wss.attach(http);
    const port = await listen(http);
    bob = new MsrpEndpoint({ host: '127.0.0.1', port, transport: 'ws' });
    const alice = new MsrpEndpoint({
      host: 'df7jal23ls0d.invalid',
      transport: 'ws',
      connector: new WebSocketConnector(`ws://127.0.0.1:${port}/msrp`, { WebSocket: WebSocket as unknown as WebSocketConstructor }),
    });
    try {
      const received: ReceivedMessage[] = [];
      const bs = bob.createSession({ delegate: { onMessage: (_s, m) => received.push(m) } });
      const as = alice.createSession({ remotePath: [bs.localUri] });
      bs.setRemotePath([as.localUri]);
      assert.equal(await alice.connect(as), 200);
      assert.equal(as.connection!.transport.kind, 'ws');
      const body = patternBytes(TEN_MB, 5);
      const outcome = await as.send(body, { successReport: true, contentType: 'application/octet-stream' }).done;
      assert.equal(outcome.ok, true);
      assert.equal(received.length, 1);
      assert.ok(sameBytes(received[0]!.body, body));
    } finally {
      alice.close();
      bob.close();
      wss.close();
      http.close();
    }
  });

  test('WebSocket upgrade without the msrp sub-protocol is refused', async () => {
    const wss = new MsrpWebSocketServer({ sink: { acceptTransport: () => undefined } });
    const http = createServer();
    wss.attach(http);
    const port = await listen(http);
    try {
      const err = await new Promise<unknown>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/msrp`, ['sip']);
        ws.on('error', resolve);
        ws.on('open', () => resolve(undefined));
      });
      assert.ok(err instanceof Error);
    } finally {
      wss.close();
      http.close();
    }
  });

  test('a connection broken mid-message gives the sender a failure', async () => {
    let bob: MsrpEndpoint | undefined;
    let seen = 0;
    // Bob's side drops the connection once 1 MB of the message has arrived.
    const server = new MsrpServer({
      host: '127.0.0.1',
      port: 0,
      sink: {
        acceptTransport: (t: MsrpTransport) => {
          const setHandler = t.setHandler.bind(t);
          t.setHandler = (h) =>
            setHandler({
              ...h,
              onData: (d) => {
                seen += d.length;
                h.onData(d);
                if (seen > 1024 * 1024) t.close();
              },
            });
          bob!.acceptTransport(t);
        },
      },
    });
    const { port } = await server.listen();
    bob = new MsrpEndpoint({ host: '127.0.0.1', port });
    const alice = new MsrpEndpoint({ host: '127.0.0.1', port: 9, connector: new NodeTcpConnector() });
    try {
      const bs = bob.createSession();
      const as = alice.createSession({ remotePath: [bs.localUri] });
      bs.setRemotePath([as.localUri]);
      assert.equal(await alice.connect(as), 200);
      const outcome = await as.send(patternBytes(TEN_MB), { successReport: true }).done;
      assert.equal(outcome.ok, false);
      assert.equal(outcome.cause, 'connection-lost');
      assert.equal(outcome.status, 408);
      assert.equal(as.closed, true);
    } finally {
      alice.close();
      bob.close();
      await server.close();
    }
  });
});

describe('MSRP relay (RFC 4976) between a WebSocket client and a TCP peer', () => {
  test('AUTH 401 then 200 with Use-Path; 10 MB each way; re-chunking; failure REPORT when the peer is gone', async () => {
    const realm = 'example.com';
    const users = {
      async lookupHa1(username: string, r: string, alg: 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess') {
        return username === 'alice' ? computeHa1(alg, 'alice', r, 'secret') : undefined;
      },
    };
    const relaySide: MsrpMessage[] = [];
    // Record what the relay writes to the WebSocket client.
    const tap = (t: MsrpTransport): MsrpTransport => {
      const parser = new MsrpStreamParser((m) => relaySide.push(m));
      const write = t.write.bind(t);
      t.write = (parts) => {
        for (const p of parts) parser.push(p.slice());
        return write(parts);
      };
      return t;
    };
    const tcp = new MsrpServer({ host: '127.0.0.1', port: 0, sink: { acceptTransport: (t: MsrpTransport) => relay!.acceptTransport(t) } });
    const { port: relayPort } = await tcp.listen();
    let relay: MsrpRelay | undefined = new MsrpRelay({
      host: '127.0.0.1',
      port: relayPort,
      realm,
      users,
      nonces: new NonceIssuer({ secret: new Uint8Array(32).fill(1), now: () => Date.now(), random: (n) => crypto.getRandomValues(new Uint8Array(n)) }),
      connector: new NodeTcpConnector(),
      maxForwardChunk: 2048,
    });
    const wss = new MsrpWebSocketServer({ sink: { acceptTransport: (t: MsrpTransport) => relay!.acceptTransport(tap(t)) } });
    const http = createServer();
    wss.attach(http);
    const wsPort = await listen(http);

    let bob: MsrpEndpoint | undefined;
    const bobServer = new MsrpServer({ host: '127.0.0.1', port: 0, sink: { acceptTransport: (t: MsrpTransport) => bob!.acceptTransport(t) } });
    const { port: bobPort } = await bobServer.listen();
    bob = new MsrpEndpoint({ host: '127.0.0.1', port: bobPort, connector: new NodeTcpConnector() });
    const connector = () => new WebSocketConnector(`ws://127.0.0.1:${wsPort}/msrp`, { WebSocket: WebSocket as unknown as WebSocketConstructor });
    const alice = new MsrpEndpoint({ host: 'df7jal23ls0d.invalid', port: 2855, transport: 'ws', connector: connector() });
    const mallory = new MsrpEndpoint({ host: 'mallory.invalid', port: 2855, transport: 'ws', connector: connector() });
    const relayUri = { scheme: 'msrp' as const, host: '127.0.0.1', port: relayPort, transport: 'tcp', params: [] };
    try {
      await assert.rejects(mallory.authenticate(relayUri, { username: 'alice', password: 'wrong' }), (e) => e instanceof RelayAuthError && e.status === 401);

      const auth = await alice.authenticate(relayUri, { username: 'alice', password: 'secret' });
      const statuses = relaySide.filter((m) => m.kind === 'response').map((m) => m.kind === 'response' && m.status);
      assert.deepEqual(statuses.slice(-2), [401, 200]);
      assert.equal(auth.usePath.length, 1);
      assert.equal(auth.expires, 900);

      const toBob: ReceivedMessage[] = [];
      const toAlice: ReceivedMessage[] = [];
      const bs = bob.createSession({ delegate: { onMessage: (_s, m) => toBob.push(m) } });
      const as = alice.createSession({ usePath: auth.usePath, remotePath: [bs.localUri], delegate: { onMessage: (_s, m) => toAlice.push(m) } });
      // Alice's a=path: her relay first, her own URI last (RFC 4976 §5.1).
      bs.setRemotePath([...auth.usePath, as.localUri]);
      assert.equal(await alice.connect(as), 200);

      const body = patternBytes(TEN_MB, 9);
      const o1 = await as.send(body, { successReport: true, contentType: 'application/octet-stream' }).done;
      assert.deepEqual(o1, { ok: true, status: 200, cause: 'report' });
      assert.ok(sameBytes(toBob[0]!.body, body));

      // Bob sends 64 KiB chunks; the relay splits them to 2048 for the WebSocket client.
      const back = patternBytes(TEN_MB, 11);
      const o2 = await bs.send(back, { successReport: true, chunkSize: 65536, contentType: 'application/octet-stream' }).done;
      assert.equal(o2.ok, true);
      assert.ok(sameBytes(toAlice[0]!.body, back));
      const forwarded = relaySide.filter((m) => m.kind === 'request' && m.method === 'SEND' && m.body && m.body.length > 0);
      assert.ok(forwarded.length > 0 && forwarded.every((m) => m.kind === 'request' && m.body!.length <= 2048));

      // Bob disappears: the relay answers Alice's SEND 200 (hop by hop), then a failure REPORT follows.
      bob.close();
      await bobServer.close();
      const late = new Promise<number>((r) => (as.delegate.onSendFailure = (_s, _m, o) => r(o.status)));
      const o3 = await as.send('anyone there?', { successReport: true }).done;
      assert.equal(o3.ok, false);
      assert.equal(o3.cause, 'report');
      assert.equal(o3.status, 408);
      // Without Success-Report the relay's 200 resolves `done`; the failure REPORT arrives as a late failure.
      const o4 = await as.send('still there?').done;
      assert.equal(o4.cause, 'response');
      assert.equal(await late, 408);
    } finally {
      alice.close();
      mallory.close();
      bob.close();
      relay.close();
      relay = undefined;
      wss.close();
      http.close();
      await tcp.close();
      await bobServer.close().catch(() => undefined);
    }
  });
});
