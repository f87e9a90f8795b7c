// The header list of SipRequest/SipResponse as a proxy uses it, and the
// parser/serializer pair around it.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../../src/sip/parser.js';
import { headText, serializeMessage } from '../../../src/sip/serializer.js';
import { field, SipRequest, SipResponse, type SipMessage } from '../../../src/sip/message.js';
import { SipParseError } from '../../../src/sip/parse-error.js';
import { validateRequest, validateResponse } from '../../../src/sip/validate.js';
import { createResponse } from '../../../src/sip/response.js';
import { reasonPhrase } from '../../../src/sip/status-phrases.js';
import { headerIdentity, headerKey, isListHeader } from '../../../src/sip/header-names.js';

const enc = new TextEncoder();
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

function msg(lines: string[], body = ''): Uint8Array {
  return enc.encode(lines.join('\r\n') + '\r\n\r\n' + body);
}

const INVITE = msg(
  [
    'INVITE sip:bob@biloxi.com SIP/2.0',
    'v: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds ,SIP/2.0/TCP p.atlanta.com;branch=z9hG4bKa',
    'Via: SIP/2.0/UDP client.atlanta.com;branch=z9hG4bKb',
    'Max-Forwards:70',
    'To: Bob <sip:bob@biloxi.com>',
    'f: "Alice, A." <sip:alice@atlanta.com>;tag=1928301774',
    'i: a84b4c76e66710@pc33.atlanta.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.com>',
    'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
    'X-Custom:   some value   ',
    'c: application/sdp',
    'l: 4',
  ],
  'v=0\n',
);

function parse(b: Uint8Array): SipMessage {
  return parseMessage(b);
}

describe('parsing: start lines and header forms', () => {
  test('compact names map to their long form; wire spelling stays in raw', () => {
    const m = parse(INVITE);
    assert.equal(m.get('Call-ID'), 'a84b4c76e66710@pc33.atlanta.com');
    assert.equal(m.get('i'), m.get('call-id'));
    const from = m.headers.find((h) => h.key === 'from')!;
    assert.equal(from.name, 'From');
    assert.equal(from.raw, 'f: "Alice, A." <sip:alice@atlanta.com>;tag=1928301774');
    assert.equal(m.get('x-custom'), 'some value');
    assert.equal(m.from().displayName, 'Alice, A.');
  });

  test('a list header splits across lines and commas: getAll / getLines', () => {
    const m = parse(INVITE);
    assert.equal(m.getLines('Via').length, 2);
    assert.equal(m.getAll('Via').length, 3);
    assert.deepEqual(
      m.vias().map((v) => v.host),
      ['pc33.atlanta.com', 'p.atlanta.com', 'client.atlanta.com'],
    );
    assert.equal(m.routes().length, 2);
    // Not a list header: one value per line even with a comma inside.
    assert.deepEqual(m.getAll('From'), ['"Alice, A." <sip:alice@atlanta.com>;tag=1928301774']);
  });

  test('line folding becomes one SP; names are case-insensitive; LWS before the colon is allowed', () => {
    const m = parse(msg(['OPTIONS sip:a@b.com SIP/2.0', 'sUbJeCt  :  first\r\n  second\r\n\tthird', 'Content-Length: 0']));
    assert.equal(m.get('Subject'), 'first second third');
    assert.equal(m.headers[0]!.raw, 'sUbJeCt  :  first\r\n  second\r\n\tthird');
  });

  test('responses: status, reason with spaces, empty reason', () => {
    const r = parse(msg(['SIP/2.0 404 Not Found Here', 'Content-Length: 0'])) as SipResponse;
    assert.deepEqual([r.kind, r.status, r.reason], ['response', 404, 'Not Found Here']);
    assert.equal((parse(msg(['SIP/2.0 180', 'l: 0'])) as SipResponse).reason, '');
  });

  test('leading CRLFs before the start line are ignored (RFC 3261 §7.5)', () => {
    const m = parse(enc.encode('\r\n\r\nOPTIONS sip:a@b.com SIP/2.0\r\nl: 0\r\n\r\n')) as SipRequest;
    assert.equal(m.method, 'OPTIONS');
  });

  test('malformed start lines and header sections', () => {
    const cases: Array<[string, RegExp, number?]> = [
      ['OPTIONS sip:a@b.com SIP/3.0\r\n\r\n', /Version Not Supported/, 505],
      ['OPTIONS sip:a@b.com HTTP/1.1\r\n\r\n', /SIP-Version/],
      ['OPTIONS  sip:a@b.com SIP/2.0\r\n\r\n', /Request-Line/],
      ['OPTIONS sip:a@b.com\tSIP/2.0\r\n\r\n', /Request-Line/],
      ['OPT<IONS sip:a@b.com SIP/2.0\r\n\r\n', /bad method/],
      ['SIP/2.0 20 OK\r\n\r\n', /status code/],
      ['SIP/2.0 099 Low\r\n\r\n', /status code/],
      ['SIP/2.0 700 High\r\n\r\n', /status code/],
      ['SIP/2.0\r\n\r\n', /Status-Line/],
      ['\r\n\r\n', /empty start line|no empty line/],
      ['OPTIONS sip:a@b.com SIP/2.0\r\nNoColon\r\n\r\n', /without a name/],
      ['OPTIONS sip:a@b.com SIP/2.0\r\n: value\r\n\r\n', /without a name/],
      ['OPTIONS sip:a@b.com SIP/2.0\r\nBad Name: v\r\n\r\n', /bad header name/],
      ['OPTIONS sip:a@b.com SIP/2.0\r\n folded-first: v\r\n\r\n', /header name|without a name/],
      ['OPTIONS sip:a@b.com SIP/2.0\r\nX: a\nInjected: b\r\n\r\n', /bare LF/],
      ['OPTIONS sip:a@b.com SIP/2.0\r\nX: a\rb\r\n\r\n', /bare CR/],
      ['OPTIONS sip:a@b.com SIP/2.0\r\nl: 0\r\n', /no empty line/],
      ['OPTIONS sip:a@b.com SIP/2.0\r\nl: five\r\n\r\n', /Content-Length/],
      ['OPTIONS sip:a@b.com SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab', /conflicting Content-Length/],
    ];
    for (const [t, re, status] of cases) {
      assert.throws(
        () => parseMessage(enc.encode(t)),
        (e: unknown) => e instanceof SipParseError && re.test(e.reason) && e.status === (status ?? 400),
        JSON.stringify(t),
      );
    }
  });

  test('a framing error still carries the headers so a server can answer statelessly', () => {
    try {
      parseMessage(msg(['INVITE sip:a@b.com SIP/2.0', 'Via: SIP/2.0/UDP h.com;branch=z9hG4bK1', 'Content-Length: 99'], 'short'));
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof SipParseError);
      assert.equal(e.headers?.[0]?.key, 'via');
    }
  });

  test('bodies: framed by Content-Length; the rest of a datagram without it', () => {
    const withCl = parseMessage(msg(['MESSAGE sip:a@b.com SIP/2.0', 'Content-Length: 3'], 'abcdef'), { datagram: true });
    assert.equal(text(withCl.body), 'abc');
    const without = parseMessage(msg(['MESSAGE sip:a@b.com SIP/2.0'], 'abc\r\n\r\ndef'), { datagram: true });
    assert.equal(text(without.body), 'abc\r\n\r\ndef');
    const repeated = parseMessage(msg(['MESSAGE sip:a@b.com SIP/2.0', 'l: 2', 'Content-Length: 002'], 'xy'));
    assert.equal(text(repeated.body), 'xy');
  });
});

describe('header list operations', () => {
  test('set replaces every line of the header where the first one was', () => {
    const m = parse(INVITE);
    m.set('via', 'SIP/2.0/UDP new.example.com;branch=z9hG4bKnew');
    assert.equal(m.getLines('Via').length, 1);
    assert.equal(m.headers[0]!.key, 'via');
    assert.equal(m.headers[0]!.name, 'Via');
    assert.equal(m.topVia().host, 'new.example.com');
    m.set('X-New', '1');
    assert.equal(m.headers.at(-1)!.name, 'X-New');
  });

  test('append and prepend; prepend goes before the first line of that header (RFC 3261 §16.6 step 8)', () => {
    const m = parse(INVITE);
    m.prepend('Via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp');
    assert.equal(m.topVia().host, 'proxy.example.com');
    assert.equal(m.vias().length, 4);
    m.prepend('Record-Route', '<sip:proxy.example.com;lr>');
    assert.equal(m.recordRoutes().length, 1);
    m.append('Record-Route', '<sip:p2.example.com;lr>');
    assert.deepEqual(
      m.recordRoutes().map((r) => r.uri.scheme),
      ['sip', 'sip'],
    );
    assert.equal(m.getAll('record-route').length, 2);
  });

  test('remove drops every line; removeFirstValue pops one value off a comma list (RFC 3261 §16.7 step 3)', () => {
    const m = parse(INVITE);
    assert.equal(m.removeFirstValue('Via'), 'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds');
    assert.deepEqual(
      m.vias().map((v) => v.host),
      ['p.atlanta.com', 'client.atlanta.com'],
    );
    assert.equal(m.removeFirstValue('Via'), 'SIP/2.0/TCP p.atlanta.com;branch=z9hG4bKa');
    assert.equal(m.getLines('Via').length, 1);
    assert.equal(m.removeFirstValue('Route'), '<sip:p1.example.com;lr>');
    assert.equal(m.routes().length, 1);
    m.remove('route');
    assert.equal(m.has('Route'), false);
    assert.equal(m.removeFirstValue('Route'), undefined);
  });

  test('typed values are re-read after a change (no stale cache)', () => {
    const m = parse(INVITE);
    assert.equal(m.maxForwards(), 70);
    m.set('Max-Forwards', '69');
    assert.equal(m.maxForwards(), 69);
    m.remove('Max-Forwards');
    assert.equal(m.maxForwards(), undefined);
  });

  test('untouched header lines are re-emitted byte for byte; changed ones print as Name: value', () => {
    const m = parse(INVITE);
    m.set('Max-Forwards', '69');
    const out = text(serializeMessage(m));
    assert.ok(out.includes('\r\nv: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds ,SIP/2.0/TCP p.atlanta.com;branch=z9hG4bKa\r\n'));
    assert.ok(out.includes('\r\nX-Custom:   some value   \r\n'));
    assert.ok(out.includes('\r\nMax-Forwards: 69\r\n'));
    assert.ok(out.endsWith('l: 4\r\n\r\nv=0\n'));
    assert.deepEqual(Buffer.from(serializeMessage(parse(INVITE))), Buffer.from(INVITE));
  });

  test('Content-Length is restated from the body: added when missing, corrected when wrong, printed once', () => {
    const m = parse(INVITE);
    m.body = enc.encode('longer body');
    assert.match(headText(m), /\r\nContent-Length: 11\r\n\r\n$/);
    const r = new SipResponse(200, 'OK', [field('CSeq', '1 OPTIONS')]);
    assert.equal(headText(r), 'SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
    const twice = parseMessage(msg(['OPTIONS sip:a@b.com SIP/2.0', 'l: 0', 'Content-Length: 0']));
    assert.equal(text(serializeMessage(twice)).match(/Content-Length|l:/g)!.length, 1);
  });

  test('messages built by code serialize and parse back', () => {
    const req = new SipRequest('MESSAGE', 'sip:bob@example.com', [
      field('v', 'SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1'),
      field('from', '<sip:alice@example.com>;tag=1'),
      field('To', '<sip:bob@example.com>'),
      field('call-id', 'x@y'),
      field('CSeq', '1 MESSAGE'),
    ], enc.encode('hi'));
    const out = text(serializeMessage(req));
    assert.equal(
      out,
      'MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: x@y\r\nCSeq: 1 MESSAGE\r\nContent-Length: 2\r\n\r\nhi',
    );
    validateRequest(parseMessage(enc.encode(out)) as SipRequest);
  });
});

describe('header registry', () => {
  test('compact forms and canonical spellings', () => {
    assert.deepEqual(headerIdentity('v'), { key: 'via', name: 'Via' });
    assert.deepEqual(headerIdentity('CALL-ID'), { key: 'call-id', name: 'Call-ID' });
    assert.deepEqual(headerIdentity('X-Foo'), { key: 'x-foo', name: 'X-Foo' });
    assert.equal(headerKey('k'), 'supported');
    assert.equal(headerKey('o'), 'event');
    assert.equal(isListHeader('contact'), true);
    assert.equal(isListHeader('authorization'), false);
  });
});

describe('validation', () => {
  const base = [
    'OPTIONS sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
    'From: <sip:alice@example.com>;tag=1',
    'To: <sip:bob@example.com>',
    'Call-ID: abc@h',
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Supported:',
    'Content-Length: 0',
  ];
  const check = (lines: string[]) => validateRequest(parseMessage(msg(lines)) as SipRequest);

  test('a complete request passes; an empty Supported is an empty list', () => {
    check(base);
    assert.deepEqual(parseMessage(msg(base)).optionTags('Supported'), []);
  });

  test('each problem is named', () => {
    const cases: Array<[string[], RegExp]> = [
      [base.filter((l) => !l.startsWith('Via')), /missing Via/],
      [base.filter((l) => !l.startsWith('Call-ID')), /missing Call-ID/],
      [base.map((l) => (l.startsWith('Call-ID') ? 'Call-ID: a b' : l)), /bad Call-ID/],
      [base.map((l) => (l.startsWith('Max-Forwards') ? 'Max-Forwards: 256' : l)), /Max-Forwards/],
      [base.map((l) => (l.startsWith('CSeq') ? 'CSeq: 1 INVITE' : l)), /CSeq method/],
      [[...base.slice(0, -1), 'Content-Type: nonsense', 'Content-Length: 0'], /Content-Type/],
      [[...base.slice(0, -1), 'Contact: <sip:a@b.com', 'Content-Length: 0'], /missing >/],
      [[...base.slice(0, -1), 'Route: <sip:a@b.com>,, <sip:c@d.com>', 'Content-Length: 0'], /empty element/],
    ];
    for (const [lines, re] of cases) assert.throws(() => check(lines), (e: unknown) => e instanceof SipParseError && re.test(e.reason), re.source);
  });

  test('responses', () => {
    const ok = parseMessage(msg(['SIP/2.0 200 OK', ...base.slice(1)])) as SipResponse;
    validateResponse(ok);
    const bad = parseMessage(msg(['SIP/2.0 200 OK', ...base.slice(2)])) as SipResponse;
    assert.throws(() => validateResponse(bad), /missing Via/);
  });
});

describe('createResponse (RFC 3261 §8.2.6)', () => {
  test('copies Via (all, in order), From, To, Call-ID and CSeq; adds a To tag when none', () => {
    const req = parse(INVITE) as SipRequest;
    const res = createResponse(req, 486, { toTag: 'abc' });
    assert.equal(res.reason, 'Busy Here');
    assert.deepEqual(res.getAll('Via'), req.getAll('Via'));
    assert.equal(res.to().params.get('tag'), 'abc');
    assert.equal(res.from().params.get('tag'), '1928301774');
    assert.equal(res.callId(), req.callId());
    assert.deepEqual(res.cseq(), req.cseq());
    assert.equal(res.has('Contact'), false);
    validateResponse(parseMessage(serializeMessage(res)) as SipResponse);
  });

  test('keeps an existing To tag; a 100 gets none and copies Timestamp (§8.2.6.1)', () => {
    const tagged = parse(msg(['BYE sip:a@b.com SIP/2.0', 'To: <sip:a@b.com>;tag=x', 'Timestamp: 54', 'l: 0'])) as SipRequest;
    assert.equal(createResponse(tagged, 200, { toTag: 'y' }).to().params.get('tag'), 'x');
    const trying = createResponse(parse(INVITE) as SipRequest, 100, { toTag: 'y' });
    assert.equal(trying.to().params.has('tag'), false);
    const t100 = createResponse(tagged, 100);
    assert.equal(t100.get('Timestamp'), '54');
  });

  test('a ";tag=" inside the To URI or display name is not a To tag', () => {
    const req = parse(msg(['MESSAGE sip:a@b.com SIP/2.0', 'To: "x;tag=1" <sip:a@b.com;tag=2>', 'l: 0'])) as SipRequest;
    const res = createResponse(req, 200, { toTag: 'real' });
    assert.equal(res.to().params.get('tag'), 'real');
  });

  test('reason phrases', () => {
    assert.equal(reasonPhrase(416), 'Unsupported URI Scheme');
    assert.equal(reasonPhrase(420), 'Bad Extension');
    assert.equal(reasonPhrase(483), 'Too Many Hops');
    assert.equal(reasonPhrase(299), 'Success');
  });
});

describe('serializing values set by code', () => {
  test('CR and LF in a value, reason or name set by code cannot start a new header line', () => {
    const r = new SipResponse(200, 'OK\r\nX-Evil: 1', [field('Subject', 'hi\r\nX-Injected: yes'), field('Contact', '"a\nb" <sip:a@b.com>')]);
    const out = text(serializeMessage(r));
    assert.equal(out, 'SIP/2.0 200 OK X-Evil: 1\r\nSubject: hi X-Injected: yes\r\nContact: "a b" <sip:a@b.com>\r\nContent-Length: 0\r\n\r\n');
    const back = parseMessage(serializeMessage(r));
    assert.equal(back.has('X-Injected'), false);
    assert.equal(back.has('X-Evil'), false);
  });
});
