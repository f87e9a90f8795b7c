import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { SipResponse } from '../../../src/sip/message.js';
import type { Flow } from '../../../src/sip/transport/types.js';
import { Inbox, RawStream, ok, once, request, transport } from './helpers.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/rfc4475/${name}`, import.meta.url)));

function head(extra = '', contentLength = '0', callId = 'c1'): string {
  return (
    'MESSAGE sip:bob@example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/TCP client.example.com;branch=z9hG4bK' +
    callId +
    '\r\n' +
    'From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n' +
    `Call-ID: ${callId}\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n` +
    extra +
    `Content-Length: ${contentLength}\r\n\r\n`
  );
}

describe('TCP transport (RFC 3261 §18.3)', () => {
  test('a request reaches the other transport, the response comes back over the same connection, which is reused', { timeout: 5000 }, async (t) => {
    const a = transport({}, t);
    const b = transport({}, t);
    await a.listenTcp({ host: '127.0.0.1' });
    const bAddr = await b.listenTcp({ host: '127.0.0.1' });
    const aIn = new Inbox(a);
    const bIn = new Inbox(b);
    const to = { protocol: 'TCP', address: '127.0.0.1', port: bAddr.port } as const;

    const flow = await a.send(request(a, 'TCP'), to);
    assert.equal(flow.reliable, true);
    const got = await bIn.next();
    assert.equal(got.flow.protocol, 'TCP');
    assert.deepEqual(got.flow.remote, flow.local);
    // RFC 3581 §4 on a stream too: rport is the connection's source port.
    assert.equal(got.message.topVia().params.get('rport'), String(flow.local.port));
    assert.equal(got.message.topVia().params.get('received'), '127.0.0.1');
    if (got.message.kind !== 'request') return;
    await b.send(ok(got.message), got.flow);
    const back = await aIn.next();
    assert.equal((back.message as SipResponse).status, 200);
    assert.equal(back.flow.id, flow.id);

    // RFC 3261 §18.1.1: a second request to the same address reuses the connection.
    const again = await a.send(request(a, 'TCP', 'again'), to);
    assert.equal(again.id, flow.id);
    assert.equal((await bIn.next()).flow.id, got.flow.id);
    assert.equal(b.counters.connectionsTotal, 1);
    assert.equal(a.counters.connectionsOpen, 1);
    assert.equal(a.flowById(flow.id), flow);
  });

  test('when the request\'s connection is gone, the response opens one to received and the sent-by port (RFC 3261 §18.2.2)', { timeout: 5000 }, async (t) => {
    const a = transport({}, t);
    const b = transport({}, t);
    const aAddr = await a.listenTcp({ host: '127.0.0.1' });
    const bAddr = await b.listenTcp({ host: '127.0.0.1' });
    const aIn = new Inbox(a);
    const bIn = new Inbox(b);
    const flow = await a.send(request(a, 'TCP', 'x', false), { protocol: 'TCP', address: '127.0.0.1', port: bAddr.port });
    const got = await bIn.next();
    const closedOnB = once<Flow>((cb) => (b.onFlowClosed = cb));
    flow.close();
    assert.equal((await closedOnB).id, got.flow.id);
    assert.equal(got.flow.open, false);
    assert.equal(b.flowById(got.flow.id), undefined);
    if (got.message.kind !== 'request') return;
    const used = await b.send(ok(got.message), got.flow);
    assert.notEqual(used.id, got.flow.id);
    assert.equal(used.remote.port, aAddr.port);
    const back = await aIn.next();
    assert.equal((back.message as SipResponse).status, 200);
  });

  test('a body over the limit is answered 413 without reading it, and the connection stays usable', { timeout: 5000 }, async (t) => {
    const b = transport({ maxBodyBytes: 1000 }, t);
    const addr = await b.listenTcp({ host: '127.0.0.1' });
    const inbox = new Inbox(b);
    const raw = await RawStream.connect(addr.port, '127.0.0.1', t);
    raw.write(head('', '5000', 'big') + 'z'.repeat(5000));
    const answer = (await raw.nextMessage()) as SipResponse;
    assert.equal(answer.status, 413);
    assert.match(answer.reason, /5000/);
    assert.equal(answer.callId(), 'big');
    raw.write(head('', '2', 'small') + 'ok');
    const got = await inbox.next();
    assert.equal(got.message.callId(), 'small');
    assert.equal(got.message.bodyText(), 'ok');
    assert.equal(b.counters.rejected, 1);
    assert.equal(b.counters.connectionsOpen, 1);
  });

  test('a header block over the limit is answered 513 and the connection is closed', { timeout: 5000 }, async (t) => {
    const b = transport({ maxHeaderBytes: 1024 }, t);
    const addr = await b.listenTcp({ host: '127.0.0.1' });
    const raw = await RawStream.connect(addr.port, '127.0.0.1', t);
    raw.write(head(`Subject: ${'s'.repeat(4000)}\r\n`, '0', 'huge'));
    const answer = (await raw.nextMessage()) as SipResponse;
    assert.equal(answer.status, 513);
    assert.match(answer.reason, /^Message Too Large/);
    assert.equal(answer.callId(), 'huge');
    await raw.closed;
  });

  test('RFC 4475 ncl: a negative Content-Length is answered 400 and the connection closed', { timeout: 5000 }, async (t) => {
    const b = transport({}, t);
    const addr = await b.listenTcp({ host: '127.0.0.1' });
    const raw = await RawStream.connect(addr.port, '127.0.0.1', t);
    const closedOnB = once<Flow>((cb) => (b.onFlowClosed = cb));
    raw.write(fixture('ncl.sip'));
    const answer = (await raw.nextMessage()) as SipResponse;
    assert.equal(answer.status, 400);
    assert.match(answer.reason, /Content-Length "-999"/);
    await raw.closed;
    await closedOnB;
    assert.equal(b.counters.connectionsOpen, 0);
  });

  test('a framed but malformed request is answered 400 and the connection keeps serving', { timeout: 5000 }, async (t) => {
    const b = transport({}, t);
    const addr = await b.listenTcp({ host: '127.0.0.1' });
    const inbox = new Inbox(b);
    const raw = await RawStream.connect(addr.port, '127.0.0.1', t);
    raw.write(fixture('badvers.sip'));
    assert.equal(((await raw.nextMessage()) as SipResponse).status, 505);
    raw.write(head('', '0', 'fine'));
    assert.equal((await inbox.next()).message.callId(), 'fine');
  });

  test('RFC 5626 §3.5.1: a double-CRLF ping is answered with a single CRLF pong', { timeout: 5000 }, async (t) => {
    const b = transport({}, t);
    const addr = await b.listenTcp({ host: '127.0.0.1' });
    const inbox = new Inbox(b);
    const raw = await RawStream.connect(addr.port, '127.0.0.1', t);
    raw.write('\r\n\r\n');
    await raw.until('\r\n');
    assert.equal(raw.received, '\r\n');
    raw.write(head('', '0', 'after-ping'));
    assert.equal((await inbox.next()).message.callId(), 'after-ping');
    assert.equal(raw.received, '\r\n');
    assert.equal(b.counters.keepAlives, 1);
  });

  test('a connection idle for idleTimeoutMs is closed, and both sides are told', { timeout: 5000 }, async (t) => {
    const a = transport({}, t);
    const b = transport({ idleTimeoutMs: 30_000 }, t);
    const bAddr = await b.listenTcp({ host: '127.0.0.1' });
    const bIn = new Inbox(b);
    const flow = await a.send(request(a, 'TCP'), { protocol: 'TCP', address: '127.0.0.1', port: bAddr.port });
    const got = await bIn.next();
    const closedOnA = once<Flow>((cb) => (a.onFlowClosed = cb));
    const closedOnB = once<Flow>((cb) => (b.onFlowClosed = cb));
    b.manualClock.advance(29_999);
    assert.equal(got.flow.open, true);
    b.manualClock.advance(1);
    assert.equal((await closedOnB).id, got.flow.id);
    assert.equal((await closedOnA).id, flow.id);
    assert.equal(flow.open, false);
    assert.equal(b.counters.idleClosed, 1);
    assert.equal(a.counters.connectionsOpen, 0);
  });

  test('traffic postpones the idle close', { timeout: 5000 }, async (t) => {
    const b = transport({ idleTimeoutMs: 30_000 }, t);
    const addr = await b.listenTcp({ host: '127.0.0.1' });
    const inbox = new Inbox(b);
    const raw = await RawStream.connect(addr.port, '127.0.0.1', t);
    b.manualClock.advance(20_000);
    raw.write(head('', '0', 'keep'));
    const got = await inbox.next();
    b.manualClock.advance(20_000);
    assert.equal(got.flow.open, true);
    b.manualClock.advance(10_000);
    await raw.closed;
  });

  test('connections beyond maxConnections are refused', { timeout: 5000 }, async (t) => {
    const b = transport({ maxConnections: 1 }, t);
    const addr = await b.listenTcp({ host: '127.0.0.1' });
    const inbox = new Inbox(b);
    const first = await RawStream.connect(addr.port, '127.0.0.1', t);
    first.write(head('', '0', 'first'));
    await inbox.next();
    const second = await RawStream.connect(addr.port, '127.0.0.1', t);
    await second.closed;
    assert.equal(b.counters.connectionsRefused, 1);
    first.write(head('', '0', 'still'));
    assert.equal((await inbox.next()).message.callId(), 'still');
  });

  test('a request sent over a closed flow is refused', { timeout: 5000 }, async (t) => {
    const a = transport({}, t);
    const b = transport({}, t);
    const bAddr = await b.listenTcp({ host: '127.0.0.1' });
    const bIn = new Inbox(b);
    const flow = await a.send(request(a, 'TCP'), { protocol: 'TCP', address: '127.0.0.1', port: bAddr.port });
    await bIn.next();
    const closed = once<Flow>((cb) => (a.onFlowClosed = cb));
    flow.close();
    await closed;
    await assert.rejects(a.send(request(a, 'TCP'), flow), /closed/);
  });
});
