import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMessage } from '../../../src/sip/parser.js';
import { headText } from '../../../src/sip/serializer.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { sameAddress, normalizeAddress, formatHost } from '../../../src/sip/transport/ip.js';
import { receiveMessage, refuseHead } from '../../../src/sip/transport/receive.js';
import { responseDestination, stampReceived } from '../../../src/sip/transport/via-received.js';
import { enc } from './helpers.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/rfc4475/${name}`, import.meta.url)));

function req(via: string, extra = ''): SipRequest {
  return parseMessage(
    enc(
      `OPTIONS sip:b@example.com SIP/2.0\r\nVia: ${via}\r\n${extra}From: <sip:a@example.com>;tag=1\r\n` +
        'To: <sip:b@example.com>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    ),
  ) as SipRequest;
}

function res(via: string): SipResponse {
  return parseMessage(
    enc(`SIP/2.0 200 OK\r\nVia: ${via}\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`),
  ) as SipResponse;
}

describe('received and rport on a request (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  test('sent-by equal to the source address and no rport: the Via is left byte for byte', () => {
    const m = req('SIP/2.0/UDP  192.0.2.1:5060 ;branch=z9hG4bK1');
    const before = headText(m);
    stampReceived(m, { address: '192.0.2.1', port: 5060 });
    assert.equal(headText(m), before);
  });

  test('a domain name in sent-by gets received even from the address it resolves to', () => {
    const m = req('SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1');
    stampReceived(m, { address: '192.0.2.4', port: 5060 });
    assert.equal(m.topVia().params.get('received'), '192.0.2.4');
  });

  test('rport without value gets the source port, and received even when equal (RFC 3581 §4)', () => {
    const m = req('SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1');
    stampReceived(m, { address: '192.0.2.1', port: 9988 });
    assert.equal(m.get('Via'), 'SIP/2.0/UDP 192.0.2.1:5060;rport=9988;branch=z9hG4bK1;received=192.0.2.1');
  });

  test('IPv6: bracketed sent-by equals the source; an IPv4-mapped source is written as IPv4', () => {
    const m = req('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1');
    stampReceived(m, { address: '2001:0db8:0:0:0:0:0:1', port: 5060 });
    assert.equal(m.topVia().params.has('received'), false);
    const n = req('SIP/2.0/TCP 198.51.100.1;branch=z9hG4bK1');
    stampReceived(n, { address: '::ffff:203.0.113.9', port: 1 });
    assert.equal(n.topVia().params.get('received'), '203.0.113.9');
  });

  test('only the top value of a multi-value Via line changes, and the header keeps its place', () => {
    const m = req('SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2', 'Max-Forwards: 70\r\n');
    stampReceived(m, { address: '192.0.2.7', port: 5060 });
    assert.deepEqual(
      m.vias().map((v) => [v.host, v.params.get('received')]),
      [
        ['a.example.com', '192.0.2.7'],
        ['b.example.com', undefined],
      ],
    );
    assert.equal(m.headers[0]!.key, 'via');
    assert.equal(m.headers[2]!.key, 'max-forwards');
  });
});

describe('where a response goes (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  test('UDP: received and rport, else received and the sent-by port, else maddr, else sent-by', () => {
    assert.deepEqual(responseDestination(res('SIP/2.0/UDP h.example.com:5070;rport=4000;received=192.0.2.1;branch=z9hG4bK1')), {
      protocol: 'UDP',
      address: '192.0.2.1',
      port: 4000,
    });
    assert.deepEqual(responseDestination(res('SIP/2.0/UDP h.example.com;received=192.0.2.1;branch=z9hG4bK1')), {
      protocol: 'UDP',
      address: '192.0.2.1',
      port: 5060,
    });
    assert.deepEqual(responseDestination(res('SIP/2.0/UDP h.example.com:5070;maddr=239.255.255.1;received=192.0.2.1;branch=z9hG4bK1')), {
      protocol: 'UDP',
      address: '239.255.255.1',
      port: 5070,
    });
    assert.deepEqual(responseDestination(res('SIP/2.0/UDP [2001:db8::9]:5080;branch=z9hG4bK1')), {
      protocol: 'UDP',
      address: '2001:db8::9',
      port: 5080,
    });
  });

  test('streams: received with the sent-by port (or the default port), never rport', () => {
    assert.deepEqual(responseDestination(res('SIP/2.0/TLS h.example.com;rport=4000;received=192.0.2.1;branch=z9hG4bK1')), {
      protocol: 'TLS',
      address: '192.0.2.1',
      port: 5061,
    });
    assert.throws(() => responseDestination(res('SIP/2.0/SCTP h.example.com;branch=z9hG4bK1')), /unsupported Via transport SCTP/);
  });
});

describe('receiveMessage: what the transport does with one message', () => {
  const src = { address: '192.0.2.9', port: 7000 };

  test('blank datagrams are keep-alives; malformed responses are dropped (RFC 3261 §18.1.2)', () => {
    assert.equal(receiveMessage(enc('\r\n\r\n'), src, true).kind, 'keepalive');
    assert.equal(receiveMessage(fixture('bigcode.sip'), src, true).kind, 'drop');
  });

  test('a malformed request is answered with its status and reason; one without a usable Via is dropped', () => {
    const r = receiveMessage(fixture('badvers.sip'), src, true);
    assert.equal(r.kind, 'reject');
    if (r.kind !== 'reject') return;
    assert.equal(r.response.status, 505);
    assert.equal(r.response.reason, 'Version Not Supported');
    assert.equal(r.response.topVia().params.get('received'), '192.0.2.9');
    // insuf parses (the transport does not validate the rest); a request with an unusable Via cannot be answered.
    assert.equal(receiveMessage(fixture('insuf.sip'), src, true).kind, 'message');
    const noVia = enc('OPTIONS sip:b@example.com SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
    assert.equal(receiveMessage(noVia, src, true).kind, 'drop');
  });

  test('a malformed ACK is never answered', () => {
    const ack = enc(
      'ACK sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\n' +
        'To: <sip:b@example.com>;tag=2\r\nCall-ID: x\r\nCSeq: 1 ACK\r\nContent-Length: 50\r\n\r\n',
    );
    assert.equal(receiveMessage(ack, src, true).kind, 'drop');
  });

  test('a header block cut at a limit still yields an answer from its complete lines', () => {
    const head = enc(
      'MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h.example.com;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\n' +
        'To: <sip:b@example.com>\r\nCall-ID: cut\r\nCSeq: 1 MESSAGE\r\nSubject: xxxxxxxxxxxxxxxxxxxx',
    );
    const r = refuseHead(head, 513, 'Message Too Large', src);
    assert.equal(r.kind, 'reject');
    if (r.kind === 'reject') assert.equal(r.response.callId(), 'cut');
  });
});

describe('addresses', () => {
  test('IPv6 compares by value, brackets and IPv4-mapped forms are normalized', () => {
    assert.ok(sameAddress('[::1]', '0:0:0:0:0:0:0:1'));
    assert.ok(sameAddress('::ffff:127.0.0.1', '127.0.0.1'));
    assert.ok(!sameAddress('::1', '::2'));
    assert.equal(normalizeAddress('[2001:DB8::1]'), '2001:db8::1');
    assert.equal(formatHost('2001:db8::1'), '[2001:db8::1]');
    assert.equal(formatHost('example.com'), 'example.com');
  });
});
