import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { parseMessage } from '../../../src/sip/parser.js';
import { UDP_MTU_THRESHOLD } from '../../../src/sip/transport/limits.js';
import type { SipResponse } from '../../../src/sip/message.js';
import { Inbox, enc, ok, request, text, transport } from './helpers.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/rfc4475/${name}`, import.meta.url)));

/** A bare UDP socket playing a peer that writes raw datagrams. */
async function rawPeer(family: 4 | 6 = 4): Promise<{ socket: Socket; port: number; next(): Promise<Uint8Array> }> {
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((r) => socket.bind(0, family === 6 ? '::1' : '127.0.0.1', r));
  const queue: Uint8Array[] = [];
  const waiting: ((b: Uint8Array) => void)[] = [];
  socket.on('message', (m) => {
    const w = waiting.shift();
    if (w) w(new Uint8Array(m));
    else queue.push(new Uint8Array(m));
  });
  return {
    socket,
    port: socket.address().port,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))),
  };
}

function raw(lines: string[], body = ''): Uint8Array {
  return enc(lines.join('\r\n') + '\r\n\r\n' + body);
}

describe('UDP transport (RFC 3261 §18)', () => {
  for (const [family, host] of [
    [4, '127.0.0.1'],
    [6, '::1'],
  ] as const) {
    test(`IPv${family}: a request reaches the other transport with received/rport, and the response comes back`, { timeout: 5000 }, async () => {
      const a = transport();
      const b = transport();
      try {
        const aAddr = await a.listenUdp({ host });
        const bAddr = await b.listenUdp({ host });
        const aIn = new Inbox(a);
        const bIn = new Inbox(b);
        const req = request(a, 'UDP');
        const sent = await a.send(req, { protocol: 'UDP', address: host, port: bAddr.port });
        assert.equal(sent.protocol, 'UDP');
        assert.deepEqual(sent.remote, { address: host, port: bAddr.port });

        const got = await bIn.next();
        assert.equal(got.message.kind, 'request');
        assert.deepEqual(got.flow.remote, { address: host, port: aAddr.port });
        const via = got.message.topVia();
        // RFC 3581 §4: rport filled in, and received even though it equals the sent-by.
        assert.equal(via.params.get('rport'), String(aAddr.port));
        assert.equal(via.params.get('received'), host);
        assert.equal(got.message.bodyText(), 'hello');

        if (got.message.kind !== 'request') return;
        await b.send(ok(got.message), got.flow);
        const back = await aIn.next();
        assert.equal((back.message as SipResponse).status, 200);
        assert.equal(back.message.callId(), req.callId());
        assert.equal(a.counters.messagesIn, 1);
        assert.equal(b.counters.messagesOut, 1);
      } finally {
        await a.close();
        await b.close();
      }
    });
  }

  test('a Via naming a host other than the source gets received=, without rport', { timeout: 5000 }, async () => {
    const b = transport();
    const peer = await rawPeer();
    try {
      const addr = await b.listenUdp({ host: '127.0.0.1' });
      const inbox = new Inbox(b);
      const msg = raw([
        'OPTIONS sip:b@example.com SIP/2.0',
        'Via: SIP/2.0/UDP client.example.com:5070;branch=z9hG4bKx1',
        'From: <sip:a@example.com>;tag=1',
        'To: <sip:b@example.com>',
        'Call-ID: r1',
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0',
      ]);
      peer.socket.send(msg, addr.port, '127.0.0.1');
      const got = await inbox.next();
      const via = got.message.topVia();
      assert.equal(via.params.get('received'), '127.0.0.1');
      assert.equal(via.params.has('rport'), false);
      assert.equal(via.host, 'client.example.com');
    } finally {
      peer.socket.close();
      await b.close();
    }
  });

  test('a malformed request gets a stateless 400 whose reason names the problem; the next request is served', { timeout: 5000 }, async () => {
    const b = transport();
    const peer = await rawPeer();
    try {
      const addr = await b.listenUdp({ host: '127.0.0.1' });
      const inbox = new Inbox(b);
      // RFC 4475 §3.1.2.2 clerr: Content-Length 9999 on a datagram is a 400.
      peer.socket.send(
        raw(
          [
            'INVITE sip:b@example.com SIP/2.0',
            'Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bKbad',
            'From: <sip:a@example.com>;tag=1',
            'To: <sip:b@example.com>',
            'Call-ID: bad1',
            'CSeq: 7 INVITE',
            'Max-Forwards: 70',
            'Content-Length: 9999',
          ],
          'short body',
        ),
        addr.port,
        '127.0.0.1',
      );
      const answer = parseMessage(await peer.next(), { datagram: true });
      assert.equal(answer.kind, 'response');
      if (answer.kind !== 'response') return;
      assert.equal(answer.status, 400);
      assert.match(answer.reason, /Content-Length 9999/);
      assert.equal(answer.callId(), 'bad1');
      assert.equal(answer.cseq().seq, 7);
      // Sent to received:rport, i.e. back to the sender's socket although its Via says port 9.
      assert.equal(answer.topVia().params.get('rport'), String(peer.port));

      // RFC 4475 §3.1.2.16 badvers (with rport, so the answer comes back here): 505.
      const badvers = text(fixture('badvers.sip'))
        .replace(/^(Via: [^;\r]+)/m, '$1;rport');
      peer.socket.send(enc(badvers), addr.port, '127.0.0.1');
      const v = parseMessage(await peer.next(), { datagram: true });
      assert.equal(v.kind === 'response' && v.status, 505);

      const good = raw([
        'OPTIONS sip:b@example.com SIP/2.0',
        'Via: SIP/2.0/UDP 127.0.0.1;rport;branch=z9hG4bKgood',
        'From: <sip:a@example.com>;tag=1',
        'To: <sip:b@example.com>',
        'Call-ID: good1',
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0',
      ]);
      peer.socket.send(good, addr.port, '127.0.0.1');
      const got = await inbox.next();
      assert.equal(got.message.callId(), 'good1');
      assert.equal(b.counters.malformed, 2);
      assert.equal(b.counters.rejected, 2);
      assert.equal(b.counters.messagesIn, 1);
    } finally {
      peer.socket.close();
      await b.close();
    }
  });

  test('a malformed response is dropped silently (RFC 3261 §18.1.2) and CRLF keep-alives are ignored', { timeout: 5000 }, async () => {
    const b = transport();
    const peer = await rawPeer();
    try {
      const addr = await b.listenUdp({ host: '127.0.0.1' });
      const inbox = new Inbox(b);
      peer.socket.send(fixture('bigcode.sip'), addr.port, '127.0.0.1');
      peer.socket.send(enc('\r\n\r\n'), addr.port, '127.0.0.1');
      // dblreq: the REGISTER is served, the trailing octets discarded (RFC 3261 §18.3).
      peer.socket.send(fixture('dblreq.sip'), addr.port, '127.0.0.1');
      const got = await inbox.next();
      assert.equal(got.message.kind === 'request' && got.message.method, 'REGISTER');
      assert.equal(got.message.body.length, 0);
      assert.equal(b.counters.malformed, 1);
      assert.equal(b.counters.rejected, 0);
      assert.equal(b.counters.keepAlives, 1);
    } finally {
      peer.socket.close();
      await b.close();
    }
  });

  test('flowById rebuilds a UDP flow from its id, and a response without the flow goes per its Via', { timeout: 5000 }, async () => {
    const a = transport();
    const b = transport();
    try {
      await a.listenUdp({ host: '127.0.0.1' });
      const bAddr = await b.listenUdp({ host: '127.0.0.1' });
      const aIn = new Inbox(a);
      const bIn = new Inbox(b);
      await a.send(request(a, 'UDP'), { protocol: 'UDP', address: '127.0.0.1', port: bAddr.port });
      const got = await bIn.next();
      const again = b.flowById(got.flow.id);
      assert.ok(again);
      assert.deepEqual(again.remote, got.flow.remote);
      assert.equal(b.flowById('nope/udp/0/127.0.0.1/1'), undefined);
      if (got.message.kind !== 'request') return;
      // An Endpoint is ignored for a response: RFC 3261 §18.2.2 routes by the top Via.
      await b.send(ok(got.message), { protocol: 'UDP', address: '192.0.2.1', port: 1 });
      assert.equal((await aIn.next()).message.kind, 'response');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a request far over the 1300-octet threshold still goes out and parses on UDP (the choice is the caller\'s, RFC 3261 §18.1.1)', { timeout: 5000 }, async (t) => {
    const a = transport({}, t);
    const b = transport({}, t);
    const bAddr = await b.listenUdp({ host: '127.0.0.1' });
    const bIn = new Inbox(b);
    const body = 'x'.repeat(UDP_MTU_THRESHOLD * 3);
    await a.send(request(a, 'UDP', body), { protocol: 'UDP', address: '127.0.0.1', port: bAddr.port });
    const got = await bIn.next();
    assert.equal(got.message.bodyText(), body);
  });
});
