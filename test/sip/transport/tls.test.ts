import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import type { SipResponse } from '../../../src/sip/message.js';
import { Inbox, RawStream, ok, request, selfSignedCert, transport } from './helpers.js';

describe('TLS and WSS transports', () => {
  let cert: { cert: Buffer; key: Buffer };
  before(() => {
    cert = selfSignedCert();
  });

  test('TLS: a request reaches the other transport and the response comes back over the same connection', { timeout: 10000 }, async (t) => {
    const a = transport({ tlsClient: { ca: cert.cert } }, t);
    const b = transport({}, t);
    const bAddr = await b.listenTls({ host: '127.0.0.1', tls: { cert: cert.cert, key: cert.key } });
    const aIn = new Inbox(a);
    const bIn = new Inbox(b);
    const flow = await a.send(request(a, 'TLS'), { protocol: 'TLS', address: '127.0.0.1', port: bAddr.port });
    assert.equal(flow.secure, true);
    const got = await bIn.next();
    assert.equal(got.flow.protocol, 'TLS');
    assert.equal(got.flow.secure, true);
    assert.equal(got.message.topVia().params.get('received'), '127.0.0.1');
    assert.equal(got.message.topVia().params.get('rport'), String(flow.local.port));
    if (got.message.kind !== 'request') return;
    await b.send(ok(got.message), got.flow);
    const back = await aIn.next();
    assert.equal((back.message as SipResponse).status, 200);
    assert.equal(back.flow.id, flow.id);
    assert.equal(b.sentBy('TLS').port, bAddr.port);
  });

  test('TLS: a server certificate the client does not trust is refused', { timeout: 10000 }, async (t) => {
    const a = transport({}, t);
    const b = transport({}, t);
    b.onError = () => {};
    const bAddr = await b.listenTls({ host: '127.0.0.1', tls: { cert: cert.cert, key: cert.key } });
    await assert.rejects(a.send(request(a, 'TLS'), { protocol: 'TLS', address: '127.0.0.1', port: bAddr.port }));
    assert.equal(a.counters.connectionsOpen, 0);
  });

  test('WSS: a request over a secure WebSocket and its response', { timeout: 10000 }, async (t) => {
    const a = transport({ tlsClient: { ca: cert.cert }, wsPath: '/sip' }, t);
    const b = transport({}, t);
    const bAddr = await b.listenWebSocket({ host: '127.0.0.1', tls: { cert: cert.cert, key: cert.key } });
    const aIn = new Inbox(a);
    const bIn = new Inbox(b);
    const flow = await a.send(request(a, 'WSS'), { protocol: 'WSS', address: '127.0.0.1', port: bAddr.port });
    const got = await bIn.next();
    assert.equal(got.flow.protocol, 'WSS');
    assert.equal(got.flow.secure, true);
    if (got.message.kind !== 'request') return;
    await b.send(ok(got.message), got.flow);
    const back = await aIn.next();
    assert.equal((back.message as SipResponse).status, 200);
    assert.equal(back.flow.id, flow.id);
  });

  test('close() does not wait for a client stuck in the TLS handshake', { timeout: 10000 }, async (t) => {
    const b = transport({}, t);
    const bAddr = await b.listenTls({ host: '127.0.0.1', tls: { cert: cert.cert, key: cert.key } });
    const raw = await RawStream.connect(bAddr.port, '127.0.0.1', t);
    await b.close();
    await raw.closed;
    assert.equal(b.counters.connectionsTotal, 0);
  });
});
