import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MessageReassembly, MessageTooLargeError } from '../../src/msrp/reassembly.js';
import { parseMsrpMessage } from '../../src/msrp/parser.js';
import { getByteRange, getMessageId } from '../../src/msrp/header-values.js';
import { chunkByteRange } from '../../src/msrp/chunker.js';
import { parseMsrpUri, formatMsrpUri, msrpUriEquals } from '../../src/msrp/uri.js';
import { parseByteRange } from '../../src/msrp/byte-range.js';
import { MsrpParseError } from '../../src/msrp/msrp-parse-error.js';
import { utf8Decode } from '../../src/formats/bytes.js';
import { readVector } from './helpers/vectors.js';

interface Piece {
  id: 'a' | 'b';
  offset: number;
  data: Uint8Array;
  last: boolean;
}

function cut(id: 'a' | 'b', body: Uint8Array, cuts: number[]): Piece[] {
  const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].filter((c) => c > 0 && c < body.length).sort((x, y) => x - y);
  const out: Piece[] = [];
  let prev = 0;
  for (const c of [...points, body.length]) {
    out.push({ id, offset: prev, data: body.subarray(prev, c), last: c === body.length });
    prev = c;
  }
  return out;
}

describe('reassembly (RFC 4975 §7.3.1)', () => {
  test('any split, delivered in any order and interleaved with another message, with duplicates, reassembles both', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.boolean(),
        fc.nat(),
        (a, b, cutsA, cutsB, dups, totalKnown, seed) => {
          const pieces = [...cut('a', a, cutsA), ...cut('b', b, cutsB)];
          for (const d of dups) pieces.push(pieces[d % pieces.length]!);
          // A deterministic shuffle from the seed.
          let x = seed + 1;
          for (let i = pieces.length - 1; i > 0; i--) {
            x = (x * 48271) % 2147483647;
            const j = x % (i + 1);
            [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
          }
          const r = { a: new MessageReassembly('msg-aaaa'), b: new MessageReassembly('msg-bbbb') };
          for (const p of pieces) {
            const total = p.id === 'a' ? a.length : b.length;
            const range = chunkByteRange(p.offset, p.data.length, totalKnown ? total : '*');
            r[p.id].add(range, p.data, p.last ? '$' : '+');
          }
          assert.equal(r.a.state, 'complete');
          assert.equal(r.b.state, 'complete');
          assert.deepEqual(Buffer.from(r.a.body), Buffer.from(a));
          assert.deepEqual(Buffer.from(r.b.body), Buffer.from(b));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('RFC 4975 §5.1 Figure 3: "abcd" then "EFGH" give "abcdEFGH"', () => {
    const c1 = parseMsrpMessage(readVector('rfc4975', 's05.1-fig3-a-chunk1-send.msrp'));
    const c2 = parseMsrpMessage(readVector('rfc4975', 's05.1-fig3-b-chunk2-send.msrp'));
    if (c1.kind !== 'request' || c2.kind !== 'request') throw new Error('requests expected');
    const r = new MessageReassembly(getMessageId(c1.headers)!);
    assert.equal(r.add(getByteRange(c1.headers), c1.body!, c1.flag), 'incomplete');
    assert.equal(r.add(getByteRange(c2.headers), c2.body!, c2.flag), 'complete');
    assert.equal(utf8Decode(r.body), 'abcdEFGH');
  });

  test('RFC 4975 §11.4 (derived-consistent): the CPIM message in two chunks, second first', () => {
    const c1 = parseMsrpMessage(readVector('rfc4975', 'derived-consistent/s11.4-fig14-chunk1-cpim.msrp'));
    const c2 = parseMsrpMessage(readVector('rfc4975', 'derived-consistent/s11.4-fig15-chunk2-cpim.msrp'));
    if (c1.kind !== 'request' || c2.kind !== 'request') throw new Error('requests expected');
    const r = new MessageReassembly('12339sdqwer');
    r.add(getByteRange(c2.headers), c2.body!, c2.flag);
    r.add(getByteRange(c1.headers), c1.body!, c1.flag);
    assert.equal(r.body.length, 147);
    assert.ok(utf8Decode(r.body).startsWith('To: Bob <sip:bob@example.com>'));
    assert.ok(utf8Decode(r.body).endsWith('1234567890'));
  });

  test('the last chunk received takes precedence on overlap', () => {
    const r = new MessageReassembly('m1234567');
    r.add({ start: 1, end: 4, total: 6 }, new TextEncoder().encode('abcd'), '+');
    r.add({ start: 3, end: 6, total: 6 }, new TextEncoder().encode('XYef'), '$');
    assert.equal(utf8Decode(r.body), 'abXYef');
  });

  test('a message over the maximum size fails with 413; "#" aborts', () => {
    const r = new MessageReassembly('m1234567', 10);
    assert.throws(() => r.add({ start: 1, end: 4, total: 100 }, new Uint8Array(4), '+'), (e) => e instanceof MessageTooLargeError && e.status === 413);
    const u = new MessageReassembly('m1234567', 10);
    u.add({ start: 1, end: '*', total: '*' }, new Uint8Array(8), '+');
    assert.throws(() => u.add({ start: 9, end: '*', total: '*' }, new Uint8Array(8), '+'), MessageTooLargeError);
    const x = new MessageReassembly('m1234567');
    x.add({ start: 1, end: 2, total: 4 }, new Uint8Array(2), '+');
    assert.equal(x.add({ start: 3, end: '*', total: 4 }, new Uint8Array(0), '#'), 'aborted');
  });
});

describe('MSRP URIs and Byte-Range', () => {
  test('RFC 4975 §6.1 comparison: scheme and host case-insensitive, session-id case-sensitive, port explicit', () => {
    const a = parseMsrpUri('msrp://Alice.Example.com:7777/iau39soe2843z;tcp');
    assert.ok(msrpUriEquals(a, parseMsrpUri('MSRP://alice.example.COM:7777/iau39soe2843z;TCP')));
    assert.ok(!msrpUriEquals(a, parseMsrpUri('msrp://alice.example.com:7777/IAU39soe2843z;tcp')));
    assert.ok(!msrpUriEquals(a, parseMsrpUri('msrp://alice.example.com/iau39soe2843z;tcp')));
    assert.ok(!msrpUriEquals(a, parseMsrpUri('msrps://alice.example.com:7777/iau39soe2843z;tcp')));
    assert.ok(!msrpUriEquals(a, parseMsrpUri('msrp://alice.example.com:7777/iau39soe2843z;ws')));
    assert.ok(msrpUriEquals(parseMsrpUri('msrp://u@h:1/s;tcp'), parseMsrpUri('msrp://h:1/s;tcp')));
    assert.equal(formatMsrpUri(parseMsrpUri('msrps://[2001:db8::1]:2855/a+b=/c;tcp;x=y')), 'msrps://[2001:db8::1]:2855/a+b=/c;tcp;x=y');
    for (const bad of ['http://a;tcp', 'msrp://a:1/s', 'msrp://u:pw@a:1/s;tcp', 'msrp://a:99999/s;tcp', 'msrp://a b:1/s;tcp']) {
      assert.throws(() => parseMsrpUri(bad), MsrpParseError, bad);
    }
  });

  test('Byte-Range: 1-based, "*" allowed, "1-0/0" for empty', () => {
    assert.deepEqual(parseByteRange('1-*/8'), { start: 1, end: '*', total: 8 });
    assert.deepEqual(parseByteRange('1-0/0'), { start: 1, end: 0, total: 0 });
    for (const bad of ['0-1/1', '5-2/8', '1-9/8', '1-2', 'a-b/c']) assert.throws(() => parseByteRange(bad), MsrpParseError, bad);
  });
});
