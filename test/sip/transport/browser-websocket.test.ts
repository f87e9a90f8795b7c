import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { ManualClock } from '../../../src/formats/clock.js';
import { field, SipRequest, type SipResponse } from '../../../src/sip/message.js';
import { BrowserWebSocketTransport } from '../../../src/sip/transport/browser-websocket.js';
import type { Flow } from '../../../src/sip/transport/types.js';
import { Inbox, enc, ok, once, request, transport } from './helpers.js';

describe('BrowserWebSocketTransport (RFC 7118 client)', () => {
  test('REGISTER with an .invalid Via reaches the server, which answers and later sends a request over the same flow', { timeout: 5000 }, async (t) => {
    const server = transport({}, t);
    const addr = await server.listenWebSocket({ host: '127.0.0.1' });
    const serverIn = new Inbox(server);
    const ua = new BrowserWebSocketTransport({
      url: `ws://127.0.0.1:${addr.port}/sip`,
      WebSocket,
      clock: new ManualClock(),
      random: () => 0.5,
    });
    t.after(() => ua.close());
    const uaIn = new Inbox(ua);
    assert.equal(ua.sentBy('WS').address, 'ssssssssssss.invalid');

    const flow = await ua.send(request(ua, 'WS', ''), { protocol: 'WS', address: '127.0.0.1', port: addr.port });
    assert.equal(flow.protocol, 'WS');
    const got = await serverIn.next();
    const via = got.message.topVia();
    assert.equal(via.transport, 'WS');
    assert.equal(via.host, 'ssssssssssss.invalid');
    assert.equal(via.params.get('received'), '127.0.0.1');
    if (got.message.kind !== 'request') return;
    await server.send(ok(got.message), got.flow);
    const res = await uaIn.next();
    assert.equal((res.message as SipResponse).status, 200);
    assert.equal(res.flow.id, flow.id);

    // RFC 5626 §5.3: the registrar later routes a request to the registered flow by its id.
    const registered = server.flowById(got.flow.id);
    assert.ok(registered);
    const sb = server.sentBy('WS');
    const incoming = new SipRequest(
      'MESSAGE',
      `sip:alice@${ua.sentBy('WS').address};transport=ws`,
      [
        field('Via', `SIP/2.0/WS ${sb.address}:${sb.port};branch=z9hG4bKsrv1`),
        field('Max-Forwards', '70'),
        field('From', '<sip:bob@example.com>;tag=b9'),
        field('To', '<sip:alice@example.com>'),
        field('Call-ID', 'to-browser'),
        field('CSeq', '3 MESSAGE'),
        field('Content-Type', 'text/plain'),
      ],
      enc('héllo'),
    );
    await server.send(incoming, registered);
    const req = await uaIn.next();
    assert.equal(req.message.kind, 'request');
    assert.equal(req.message.bodyText(), 'héllo');
    if (req.message.kind !== 'request') return;
    await ua.send(ok(req.message), req.flow);
    const answer = await serverIn.next();
    assert.equal((answer.message as SipResponse).status, 200);
    assert.equal(answer.message.callId(), 'to-browser');
  });

  test('a double-CRLF keep-alive is answered; closing the server connection is reported and the next send reconnects', { timeout: 5000 }, async (t) => {
    const server = transport({}, t);
    const addr = await server.listenWebSocket({ host: '127.0.0.1' });
    const serverIn = new Inbox(server);
    const ua = new BrowserWebSocketTransport({ url: `ws://127.0.0.1:${addr.port}/sip`, WebSocket });
    t.after(() => ua.close());
    const first = await ua.connect();
    ua.keepAlive();
    while (server.counters.keepAlives === 0) await new Promise((r) => setImmediate(r));
    const closed = once<Flow>((cb) => (ua.onFlowClosed = cb));
    for (const f of server.openFlows()) f.close();
    assert.equal((await closed).id, first.id);
    assert.equal(first.open, false);
    await assert.rejects(ua.send(request(ua, 'WS'), first), /closed/);
    const second = await ua.send(request(ua, 'WS'), { protocol: 'WS', address: '127.0.0.1', port: addr.port });
    assert.notEqual(second.id, first.id);
    assert.equal((await serverIn.next()).flow.protocol, 'WS');
  });

  test('RFC 7118 §4: a server that does not accept the "sip" sub-protocol is refused', { timeout: 5000 }, async (t) => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, handleProtocols: () => false });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => { wss.close(); http.closeAllConnections(); http.close(() => r()); }));
    const port = (http.address() as { port: number }).port;
    const ua = new BrowserWebSocketTransport({ url: `ws://127.0.0.1:${port}/`, WebSocket });
    await assert.rejects(ua.connect());
    assert.equal(ua.flow, undefined);
  });
});
