import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { TestContext } from 'node:test';
import { WebSocket } from 'ws';
import type { SipResponse } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/parser.js';
import type { Flow } from '../../../src/sip/transport/types.js';
import type { NodeSipTransport } from '../../../src/sip/transport/node-transport.js';
import { Inbox, ok, once, request, transport } from './helpers.js';

const vector = (name: string) => readFileSync(new URL(`../../fixtures/rfc7118/${name}`, import.meta.url));

/** An application's own HTTP server with the SIP WebSocket endpoint mounted at `path`. */
async function mount(t: TestContext, sip: NodeSipTransport, path = '/sip'): Promise<number> {
  const server: Server = createServer((_req, res) => res.writeHead(200).end('app'));
  server.on('upgrade', (req, socket, head) => {
    if (req.url === path) sip.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return (server.address() as { port: number }).port;
}

/** One masked client frame (RFC 6455 §5.2): FIN, `opcode`, payload up to 65535 octets. */
function clientFrame(payload: Buffer, opcode = 1): Buffer {
  const mask = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  const len = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode]), len, mask, masked]);
}

describe('WebSocket transport (RFC 7118)', () => {
  test('mounted on an application HTTP server: request and response over the same WebSocket', { timeout: 5000 }, async (t) => {
    const a = transport({ wsPath: '/sip' }, t);
    const b = transport({}, t);
    const port = await mount(t, b);
    const aIn = new Inbox(a);
    const bIn = new Inbox(b);
    const flow = await a.send(request(a, 'WS'), { protocol: 'WS', address: '127.0.0.1', port });
    assert.equal(flow.protocol, 'WS');
    const got = await bIn.next();
    assert.equal(got.flow.protocol, 'WS');
    assert.equal(got.message.topVia().params.get('rport'), String(flow.local.port));
    if (got.message.kind !== 'request') return;
    await b.send(ok(got.message), got.flow);
    const back = await aIn.next();
    assert.equal((back.message as SipResponse).status, 200);
    assert.equal(back.flow.id, flow.id);
    const again = await a.send(request(a, 'WS'), { protocol: 'WS', address: '127.0.0.1', port });
    assert.equal(again.id, flow.id);
  });

  test('RFC 7118 §8.1 F1/F2: the handshake offering "sip" is accepted with the RFC\'s Sec-WebSocket-Accept, and the F3 REGISTER parses', { timeout: 5000 }, async (t) => {
    const b = transport({}, t);
    const port = await mount(t, b, '/');
    const bIn = new Inbox(b);
    const socket = netConnect({ host: '127.0.0.1', port });
    t.after(() => void socket.destroy());
    await new Promise((r) => socket.once('connect', r));
    let received = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    socket.write(vector('s8.1-F1-http-get-ws-handshake.http'));
    while (!received.includes('\r\n\r\n')) await new Promise((r) => socket.once('data', r));
    const answer = received.toString('latin1');
    const f2 = vector('s8.1-F2-101-switching-protocols.http').toString('latin1');
    assert.match(answer, /^HTTP\/1\.1 101 /);
    assert.match(answer, /\r\nSec-WebSocket-Protocol: sip\r\n/i);
    const accept = /Sec-WebSocket-Accept: *(\S+)/i.exec(f2)![1]!;
    assert.ok(answer.includes(accept), `expected ${accept}`);

    const register = vector('s8.1-F3-register.sip');
    socket.write(clientFrame(register));
    const got = await bIn.next();
    assert.equal(got.flow.protocol, 'WS');
    const m = got.message;
    assert.equal(m.kind === 'request' && m.method, 'REGISTER');
    // The .invalid sent-by differs from the source address: received is added (RFC 3261 §18.2.1).
    assert.equal(m.topVia().host, 'df7jal23ls0d.invalid');
    assert.equal(m.topVia().params.get('received'), '127.0.0.1');
    const contact = m.contacts()[0];
    assert.ok(contact && !contact.star);
    assert.equal(contact.params.get('reg-id'), '1');
    assert.equal(m.has('Content-Length'), false);
  });

  test('RFC 7118 §4: an upgrade without the "sip" sub-protocol is refused', { timeout: 5000 }, async (t) => {
    const b = transport({}, t);
    const port = await mount(t, b);
    for (const protocols of [[], ['chat']]) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/sip`, protocols);
      const status = await new Promise<number>((resolve) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => {});
      });
      ws.terminate();
      assert.equal(status, 400, `offered ${protocols.join(',') || 'nothing'}`);
    }
    assert.equal(b.counters.connectionsTotal, 0);
  });

  test('a WebSocket message is one SIP message: binary frames parse, a bad one is answered (505) and the next is served', { timeout: 5000 }, async (t) => {
    const b = transport({}, t);
    const port = await mount(t, b);
    const bIn = new Inbox(b);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/sip`, 'sip');
    t.after(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    const replies: Buffer[] = [];
    ws.on('message', (d: Buffer) => replies.push(d));

    const bad = vector('s8.1-F3-register.sip').toString('latin1').replace('SIP/2.0\r\n', 'SIP/3.0\r\n').replace('z9hG4bKasudf', 'z9hG4bKbad');
    ws.send(bad);
    while (replies.length === 0) await new Promise((r) => ws.once('message', r));
    const answer = parseMessage(replies[0]!, { datagram: true }) as SipResponse;
    assert.equal(answer.status, 505);

    ws.send(vector('s8.1-F3-register.sip'), { binary: true });
    const got = await bIn.next();
    assert.equal(got.message.callId(), 'aiuy7k9njasd');
    assert.equal(b.counters.malformed, 1);
  });

  test('a double-CRLF WebSocket message is answered with CRLF; idle WebSockets are closed', { timeout: 5000 }, async (t) => {
    const b = transport({ idleTimeoutMs: 1000 }, t);
    const port = await mount(t, b);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/sip`, 'sip');
    t.after(() => ws.terminate());
    const closedOnB = once<Flow>((cb) => (b.onFlowClosed = cb));
    await new Promise((r) => ws.once('open', r));
    ws.send('\r\n\r\n');
    const pong = await new Promise<Buffer>((r) => ws.once('message', r));
    assert.equal(pong.toString(), '\r\n');
    assert.equal(b.counters.keepAlives, 1);
    const closed = new Promise<number>((r) => ws.once('close', r));
    b.manualClock.advance(1000);
    assert.equal(await closed, 1000);
    await closedOnB;
    assert.equal(b.counters.connectionsOpen, 0);
  });
});
