import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MsrpStreamParser, parseMsrpMessage } from '../../src/msrp/parser.js';
import { serializeMsrpMessage } from '../../src/msrp/serializer.js';
import { MsrpParseError } from '../../src/msrp/msrp-parse-error.js';
import type { MsrpMessage } from '../../src/msrp/message.js';
import {
  getByteRange,
  getFailureReport,
  getFromPath,
  getMessageId,
  getStatus,
  getSuccessReport,
  getToPath,
  getUsePath,
} from '../../src/msrp/header-values.js';
import { concatBytes, utf8Decode } from '../../src/formats/bytes.js';
import { assertSameBytes, readIndex, readVector } from './helpers/vectors.js';

const msrpVectors = [
  ...readIndex('rfc4975')
    .filter((r) => r.file.endsWith('.msrp'))
    .map((r) => ({ rfc: 'rfc4975', row: r })),
  ...readIndex('rfc7977')
    .filter((r) => r.file.endsWith('.msrp'))
    .map((r) => ({ rfc: 'rfc7977', row: r })),
];

function parseAll(chunks: Uint8Array[]): MsrpMessage[] {
  const out: MsrpMessage[] = [];
  const p = new MsrpStreamParser((m) => out.push(m));
  for (const c of chunks) p.push(c);
  p.end();
  return out;
}

describe('MSRP codec: every RFC 4975 and RFC 7977 example', () => {
  for (const { rfc, row } of msrpVectors) {
    test(`${rfc}/${row.file} parses and serializes back byte-exact`, () => {
      const bytes = readVector(rfc, row.file);
      const m = parseMsrpMessage(bytes);
      assertSameBytes(serializeMsrpMessage(m), bytes);
      if (row.transact_id) assert.equal(m.transactionId, row.transact_id);
      if (row.end_flag) assert.equal(m.flag, row.end_flag);
      if (row.method_or_status) {
        if (m.kind === 'request') assert.equal(m.method, row.method_or_status);
        else assert.equal(`${m.status} ${m.comment}`, row.method_or_status);
      }
      if (row.data_octets && m.kind === 'request' && m.method === 'SEND') {
        // Framing is by end-line: the data length is the printed data, whatever Byte-Range says.
        assert.equal(m.body?.length, Number(row.data_octets));
      }
      if (row.byte_range) {
        const br = getByteRange(m.headers)!;
        assert.equal(`${br.start}-${br.end}/${br.total}`, row.byte_range);
      }
    });

    test(`${rfc}/${row.file} framed identically when split at every offset`, () => {
      const bytes = readVector(rfc, row.file);
      const whole = parseMsrpMessage(bytes);
      for (let i = 1; i < bytes.length; i++) {
        const [m] = parseAll([bytes.subarray(0, i), bytes.subarray(i)]);
        assertSameBytes(serializeMsrpMessage(m!), bytes, `split at ${i}`);
        assert.equal(m!.flag, whole.flag);
      }
    });
  }

  test('header values of RFC 4975 §11.6 (success report requested, Failure-Report: no)', () => {
    const send = parseMsrpMessage(readVector('rfc4975', 's11.6-fig16-send.msrp'));
    assert.equal(getSuccessReport(send.headers), true);
    assert.equal(getFailureReport(send.headers), 'no');
    assert.equal(getMessageId(send.headers), '12339sdqwer');
    assert.equal(getToPath(send.headers)[0]!.sessionId, '9di4eae923wzd');
    const report = parseMsrpMessage(readVector('rfc4975', 's11.6-fig17-report.msrp'));
    assert.deepEqual(getStatus(report.headers), { namespace: '000', code: 200, comment: 'OK' });
  });

  test('defaults: no Success-Report means no, no Failure-Report means yes (RFC 4975 §7.1.1)', () => {
    const m = parseMsrpMessage(readVector('rfc4975', 's04-fig2-a-send.msrp'));
    assert.equal(getSuccessReport(m.headers), false);
    assert.equal(getFailureReport(m.headers), 'yes');
  });

  test('RFC 7977: ws transport, userinfo, two-URI paths and Use-Path', () => {
    const ok = parseMsrpMessage(readVector('rfc7977', 's8.1.1-F4-200-ok.msrp'));
    assert.equal(ok.kind, 'response');
    const from = getFromPath(ok.headers)[0]!;
    assert.equal(from.user, 'alice');
    assert.equal(from.transport, 'ws');
    assert.equal(from.sessionId, undefined);
    assert.equal(getUsePath(ok.headers)![0]!.sessionId, 'jui787s2f');
    const f3 = parseMsrpMessage(readVector('rfc7977', 's8.2.2-F3-send.msrp'));
    // "From-Path:  msrps://..." (two spaces) still yields two URIs.
    assert.equal(getFromPath(f3.headers).length, 2);
    assert.equal(getToPath(parseMsrpMessage(readVector('rfc7977', 's8.2.2-F1-send.msrp')).headers).length, 2);
  });

  test('bodiless requests differ from empty bodies', () => {
    const auth = parseMsrpMessage(readVector('rfc7977', 's8.1.1-F3-auth.msrp'));
    assert.equal(auth.kind === 'request' && auth.body, undefined);
    const empty = new TextEncoder().encode(
      'MSRP abcd1234 SEND\r\nTo-Path: msrp://a:1/s;tcp\r\nFrom-Path: msrp://b:2/t;tcp\r\nMessage-ID: m123\r\nByte-Range: 1-0/0\r\nContent-Type: text/plain\r\n\r\n\r\n-------abcd1234$\r\n',
    );
    const m = parseMsrpMessage(empty);
    assert.equal(m.kind === 'request' && m.body?.length, 0);
    assertSameBytes(serializeMsrpMessage(m), empty);
  });

  test('an end-line look-alike inside the body is data (other flag byte or other id)', () => {
    const text =
      'MSRP abcd1234 SEND\r\nTo-Path: msrp://a:1/s;tcp\r\nFrom-Path: msrp://b:2/t;tcp\r\nContent-Type: text/plain\r\n\r\nx\r\n-------abcd1234!\r\n-------abcd12345$\r\n-------other$\r\ny\r\n-------abcd1234+\r\n';
    const m = parseMsrpMessage(new TextEncoder().encode(text));
    assert.equal(m.kind === 'request' && utf8Decode(m.body!), 'x\r\n-------abcd1234!\r\n-------abcd12345$\r\n-------other$\r\ny');
    assert.equal(m.flag, '+');
  });

  test('malformed frames fail with MsrpParseError', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const bad of [
      'HTTP/1.1 200 OK\r\n\r\n',
      'MSRP x SEND\r\n-------x$\r\n',
      'MSRP abcd send\r\n-------abcd$\r\n',
      'MSRP abcd SEND\r\nTo-Path msrp://a;tcp\r\n-------abcd$\r\n',
      'MSRP abcd SEND\r\n-------abce$\r\n',
      'MSRP abcd 200 OK\r\n\r\nbody\r\n-------abcd$\r\n',
      'MSRP abcd SEND\nTo-Path: x\n',
    ]) {
      assert.throws(() => parseMsrpMessage(enc(bad)), MsrpParseError, bad);
    }
  });
});

describe('MSRP codec: properties', () => {
  const all = msrpVectors.map(({ rfc, row }) => readVector(rfc, row.file));
  const stream = concatBytes(all);
  const expected = all.map((b) => parseMsrpMessage(b));

  test('any split of a stream of valid messages frames the same messages', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 40 }), (cuts) => {
        const sorted = [...new Set(cuts)].sort((a, b) => a - b);
        const pieces: Uint8Array[] = [];
        let prev = 0;
        for (const c of sorted) {
          pieces.push(stream.slice(prev, c));
          prev = c;
        }
        pieces.push(stream.slice(prev));
        const got = parseAll(pieces);
        assert.equal(got.length, expected.length);
        got.forEach((m, i) => assertSameBytes(serializeMsrpMessage(m), all[i]!));
      }),
      { numRuns: 200 },
    );
  });

  test('random bytes, or a valid stream with bytes mutated, only ever fail with MsrpParseError', () => {
    const feed = (chunks: Uint8Array[]) => {
      try {
        parseAll(chunks);
      } catch (e) {
        if (!(e instanceof MsrpParseError)) throw e;
      }
    };
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }), (chunks) => feed(chunks)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(stream.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(stream.length),
        (edits, cut) => {
          const b = stream.slice();
          for (const [at, v] of edits) b[at] = v;
          feed([b.subarray(0, cut), b.subarray(cut)]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
