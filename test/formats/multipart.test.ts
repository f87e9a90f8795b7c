import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { buildMultipart, isValidBoundary, MultipartError, parseMultipart, PartHeaders } from '../../src/formats/multipart.js';
import { parseMessage } from '../../src/sip/parser.js';
import { validateRequest } from '../../src/sip/validate.js';
import type { SipRequest } from '../../src/sip/message.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const enc = new TextEncoder();
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

function sipBody(path: string): { req: SipRequest; boundary: string } {
  const req = parseMessage(readFileSync(fixtures + path)) as SipRequest;
  validateRequest(req);
  const ct = req.contentType()!;
  assert.equal(`${ct.type}/${ct.subtype}`, 'multipart/mixed');
  return { req, boundary: ct.params.get('boundary')! };
}

describe('multipart: RFC 5365 and RFC 5366 URI lists', () => {
  test('RFC 5365 §9 F1: MESSAGE with text/plain and a recipient-list part', () => {
    const { req, boundary } = sipBody('rfc5365/derived-consistent/s9-fig2-F1-message-to-list-server.sip');
    assert.equal(boundary, 'boundary1');
    const parts = parseMultipart(req.body, boundary);
    assert.equal(parts.length, 2);
    assert.equal(parts[0]!.headers.get('Content-Type'), 'text/plain');
    // The CRLF before "--boundary1" belongs to the delimiter, not to the part.
    assert.equal(text(parts[0]!.body), 'Hello World!\r\n');
    assert.equal(parts[1]!.headers.get('content-type'), 'application/resource-lists+xml');
    assert.equal(parts[1]!.headers.get('CONTENT-DISPOSITION'), 'recipient-list');
    // The XML part is the RFC's figure with CRLF line ends.
    const xml = readFileSync(fixtures + 'rfc5365/s9-fig2-F1-recipient-list.xml', 'utf8');
    assert.equal(text(parts[1]!.body), xml.trimEnd().replace(/\n/g, '\r\n'));
  });

  test('RFC 5365 §9 F3: the list server\'s MESSAGE with recipient-list-history', () => {
    const { req, boundary } = sipBody('rfc5365/derived-consistent/s9-fig3-F3-message-from-list-server.sip');
    const parts = parseMultipart(req.body, boundary);
    assert.equal(parts.length, 2);
    assert.match(parts[1]!.headers.get('Content-Disposition')!, /^recipient-list-history; *handling=optional$/);
    const xml = readFileSync(fixtures + 'rfc5365/s9-fig3-F3-recipient-list-history.xml', 'utf8');
    assert.equal(text(parts[1]!.body), xml.trimEnd().replace(/\n/g, '\r\n'));
  });

  test('RFC 5366 §6 F1 and F3: INVITE with SDP and a URI list', () => {
    for (const [file, xmlFile] of [
      ['rfc5366/derived-consistent/s6-fig3-F1-invite-to-conf-factory.sip', 'rfc5366/s6-fig3-F1-recipient-list.xml'],
      ['rfc5366/derived-consistent/s6-fig4-F3-invite-from-conf-server.sip', 'rfc5366/s6-fig4-F3-recipient-list-history.xml'],
    ] as const) {
      const { req, boundary } = sipBody(file);
      const parts = parseMultipart(req.body, boundary);
      assert.equal(parts.length, 2, file);
      assert.equal(parts[0]!.headers.get('content-type'), 'application/sdp');
      assert.match(text(parts[0]!.body), /^v=0\r\n/);
      assert.equal(parts[1]!.headers.get('content-type'), 'application/resource-lists+xml');
      const xml = readFileSync(fixtures + xmlFile, 'utf8');
      assert.equal(text(parts[1]!.body), xml.trimEnd().replace(/\n/g, '\r\n'), file);
    }
  });

  test('the as-printed RFC 5365 copy (Content-Length 501 for 983 octets) is cut short: no close delimiter', () => {
    const req = parseMessage(readFileSync(fixtures + 'rfc5365/s9-fig2-F1-message-to-list-server.sip'));
    assert.equal(req.body.length, 501);
    assert.throws(() => parseMultipart(req.body, 'boundary1'), /missing close delimiter/);
  });
});

describe('multipart: RFC 2046 §5.1.1 syntax', () => {
  test('preamble and epilogue are ignored; transport padding after a boundary is allowed', () => {
    const body = enc.encode(
      'This is the preamble.\r\n--xyz \t\r\nContent-Type: text/plain\r\n\r\none\r\n--xyz\r\n\r\ntwo\r\n--xyz--  \r\nepilogue --xyz\r\n',
    );
    const parts = parseMultipart(body, 'xyz');
    assert.deepEqual(
      parts.map((p) => [p.headers.list.length, text(p.body)]),
      [
        [1, 'one'],
        [0, 'two'],
      ],
    );
  });

  test('a boundary text not at a line start, or followed by other text, is part content', () => {
    const body = enc.encode('--b\r\n\r\nx --b y\r\n--bc\r\n--b--');
    const parts = parseMultipart(body, 'b');
    assert.equal(parts.length, 1);
    assert.equal(text(parts[0]!.body), 'x --b y\r\n--bc');
  });

  test('folded part headers are unfolded and names compare case-insensitively', () => {
    const parts = parseMultipart(enc.encode('--q\r\nContent-Type: text/plain;\r\n charset=utf-8\r\nX-A: 1\r\nx-a: 2\r\n\r\nhi\r\n--q--\r\n'), 'q');
    const h = parts[0]!.headers;
    assert.equal(h.get('CONTENT-TYPE'), 'text/plain; charset=utf-8');
    assert.deepEqual(h.getAll('X-A'), ['1', '2']);
    assert.equal(h.has('content-id'), false);
  });

  test('binary part bodies keep NUL, bare CR and bare LF (RFC 4475 mpart01)', () => {
    const bin = new Uint8Array([0, 13, 0, 10, 13, 255, 45, 45]);
    const { boundary, body } = buildMultipart([{ headers: [['Content-Type', 'application/octet-stream']], body: bin }]);
    assert.deepEqual(Buffer.from(parseMultipart(body, boundary)[0]!.body), Buffer.from(bin));
  });

  test('missing first boundary or close delimiter is a MultipartError', () => {
    assert.throws(() => parseMultipart(enc.encode('no boundary here'), 'b'), MultipartError);
    assert.throws(() => parseMultipart(enc.encode('--b\r\n\r\nbody without end'), 'b'), /close delimiter/);
    assert.throws(() => parseMultipart(enc.encode('--b\r\n\r\nx\r\n--b--'), ''), MultipartError);
  });

  test('boundaries: RFC 2046 bchars, 1 to 70, no trailing space', () => {
    assert.equal(isValidBoundary('gc0pJq0M:08jU534c0p'), true);
    assert.equal(isValidBoundary("a b'()+_,-./:=?"), true);
    assert.equal(isValidBoundary('ends with space '), false);
    assert.equal(isValidBoundary('x'.repeat(70)), true);
    assert.equal(isValidBoundary('x'.repeat(71)), false);
    assert.equal(isValidBoundary(''), false);
  });
});

describe('multipart: building', () => {
  test('prints parts in order with the given boundary and a close delimiter', () => {
    const { boundary, body } = buildMultipart(
      [
        { headers: [['Content-Type', 'text/plain']], body: enc.encode('Hello World!') },
        { headers: new PartHeaders([{ name: 'Content-Disposition', value: 'recipient-list' }]), body: enc.encode('<x/>') },
      ],
      { boundary: 'boundary1' },
    );
    assert.equal(boundary, 'boundary1');
    assert.equal(
      text(body),
      '--boundary1\r\nContent-Type: text/plain\r\n\r\nHello World!\r\n--boundary1\r\nContent-Disposition: recipient-list\r\n\r\n<x/>\r\n--boundary1--\r\n',
    );
  });

  test('a given boundary that occurs in a part is refused', () => {
    assert.throws(
      () => buildMultipart([{ headers: [], body: enc.encode('a\r\n--sep\r\n') }], { boundary: 'sep' }),
      /occurs inside a part/,
    );
  });

  test('the generated boundary avoids part content, with an injected random source', () => {
    // The first candidate (all "0") is planted in the body; the builder must pick another.
    let calls = 0;
    const random = () => (calls++ < 24 ? 0 : 0.5);
    const planted = enc.encode('--simpleim-' + '0'.repeat(24));
    const { boundary, body } = buildMultipart([{ headers: [], body: planted }], { random });
    assert.notEqual(boundary, 'simpleim-' + '0'.repeat(24));
    assert.deepEqual(Buffer.from(parseMultipart(body, boundary)[0]!.body), Buffer.from(planted));
  });

  test('header values with CR or LF are refused', () => {
    assert.throws(() => buildMultipart([{ headers: [['X', 'a\r\nY: b']], body: new Uint8Array() }]), MultipartError);
  });

  test('property: build then parse gives back every part', () => {
    const part = fc.record({
      headers: fc.array(
        fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/), fc.stringMatching(/^[ -~]{0,20}$/).map((s) => s.trim())),
        { maxLength: 3 },
      ),
      body: fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.constantFrom(enc.encode('--simpleim-'), enc.encode('\r\n--'))),
    });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const { boundary, body } = buildMultipart(parts);
        const back = parseMultipart(body, boundary);
        assert.equal(back.length, parts.length);
        back.forEach((p, i) => {
          assert.deepEqual(
            p.headers.list.map((h) => [h.name, h.value]),
            parts[i]!.headers.map(([n, v]) => [n, v]),
          );
          assert.deepEqual(Buffer.from(p.body), Buffer.from(parts[i]!.body));
        });
      }),
      { numRuns: 300 },
    );
  });
});
