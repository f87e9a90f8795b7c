import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { StreamFramer, type StreamEvent } from '../../../src/sip/stream-framer.js';

const DIR = new URL('../../fixtures/rfc4475/', import.meta.url);
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

interface Vector {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const all: Vector[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.sip'))
  .sort()
  .map((f) => ({ name: f.replace(/\.sip$/, ''), bytes: new Uint8Array(readFileSync(new URL(f, DIR))) }));

/** A file frames on its own when it has an empty line and one Content-Length equal to what follows it. */
function framesExactly(b: Uint8Array): boolean {
  const buf = Buffer.from(b);
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const lengths = [...buf.subarray(0, end).toString('latin1').matchAll(/^(?:content-length|l)[ \t]*:[ \t]*(\S+)/gim)];
  return lengths.length === 1 && lengths[0]![1] === String(b.length - end - 4);
}

const framable = all.filter((v) => framesExactly(v.bytes));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function feed(chunks: readonly Uint8Array[], framer = new StreamFramer()): StreamEvent[] {
  const out: StreamEvent[] = [];
  for (const c of chunks) out.push(...framer.push(c));
  return out;
}

function messages(events: readonly StreamEvent[]): Uint8Array[] {
  return events.filter((e) => e.type === 'message').map((e) => (e as { bytes: Uint8Array }).bytes);
}

describe('StreamFramer: RFC 3261 §18.3 framing by Content-Length', () => {
  test('the RFC 4475 files left out are exactly those whose framing is the point of the test', () => {
    const out = all.filter((v) => !framesExactly(v.bytes)).map((v) => v.name);
    // baddn lacks the empty line; clerr, ncl, mcl01 have bad lengths; dblreq has trailing junk; inv2543 has none.
    assert.deepEqual(out, ['baddn', 'clerr', 'dblreq', 'inv2543', 'mcl01', 'ncl']);
    assert.equal(framable.length, 43);
  });

  test('every framable RFC 4475 message followed by the next, split at every offset, comes back byte for byte', () => {
    for (let i = 0; i < framable.length; i++) {
      const a = framable[i]!;
      const b = framable[(i + 1) % framable.length]!;
      const stream = concat([a.bytes, b.bytes]);
      for (let at = 0; at <= stream.length; at++) {
        const got = messages(feed([stream.subarray(0, at), stream.subarray(at)]));
        assert.equal(got.length, 2, `${a.name}+${b.name} split at ${at}`);
        assert.deepEqual(got[0], a.bytes, `${a.name} split at ${at}`);
        assert.deepEqual(got[1], b.bytes, `${b.name} split at ${at}`);
      }
    }
  });

  test('all framable messages concatenated, fed in random chunkings, come back in order', () => {
    const stream = concat(framable.map((v) => v.bytes));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 200 }), (sizes) => {
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (let k = 0; at < stream.length; k++) {
          const n = sizes[k % sizes.length]!;
          chunks.push(stream.subarray(at, at + n));
          at += n;
        }
        const got = messages(feed(chunks));
        assert.equal(got.length, framable.length);
        got.forEach((m, k) => assert.deepEqual(m, framable[k]!.bytes, framable[k]!.name));
      }),
      { numRuns: 60 },
    );
  });

  test('one octet at a time frames the binary multipart body of mpart01 exactly', () => {
    const v = framable.find((x) => x.name === 'mpart01')!;
    const stream = concat([v.bytes, v.bytes]);
    const chunks = Array.from(stream, (_, k) => stream.subarray(k, k + 1));
    const got = messages(feed(chunks));
    assert.deepEqual(got, [v.bytes, v.bytes]);
  });
});

describe('StreamFramer: RFC 5626 §3.5.1 keep-alive', () => {
  const a = framable[0]!.bytes;

  test('a double-CRLF between messages is reported as a ping, at every split', () => {
    const stream = concat([a, enc('\r\n\r\n'), a]);
    for (let at = 0; at <= stream.length; at++) {
      const events = feed([stream.subarray(0, at), stream.subarray(at)]);
      assert.deepEqual(
        events.map((e) => e.type),
        ['message', 'ping', 'message'],
        `split at ${at}`,
      );
    }
  });

  test('a single CRLF (a pong) is skipped without a ping; two pings give two events', () => {
    assert.deepEqual(
      feed([enc('\r\n'), a]).map((e) => e.type),
      ['message'],
    );
    assert.deepEqual(
      feed([enc('\r\n\r\n\r\n\r\n')]).map((e) => e.type),
      ['ping', 'ping'],
    );
  });
});

describe('StreamFramer: limits and bad Content-Length', () => {
  const request = (body: string, extra = '') =>
    enc(
      'MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP client.example.com;branch=z9hG4bK1\r\n' +
        'From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: c1\r\nCSeq: 1 MESSAGE\r\n' +
        extra +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );

  test('a header block over the limit is refused with 513 and the stream is given up', () => {
    const big = request('hi', `Subject: ${'x'.repeat(2000)}\r\n`);
    const framer = new StreamFramer({ maxHeaderBytes: 1024 });
    const events = feed([big.subarray(0, 700), big.subarray(700)], framer);
    assert.equal(events.length, 1);
    const e = events[0]!;
    assert.equal(e.type, 'error');
    if (e.type !== 'error') return;
    assert.equal(e.status, 513);
    assert.equal(e.fatal, true);
    assert.equal(e.head.length, 1024);
    assert.match(Buffer.from(e.head).toString('latin1'), /^MESSAGE sip:bob@example\.com SIP\/2\.0\r\nVia:/);
    assert.equal(framer.failed, true);
    assert.deepEqual(framer.push(request('again')), []);
  });

  test('a complete header block just over the limit is refused too; one at the limit is accepted', () => {
    const m = request('');
    const headLength = m.length;
    assert.equal(feed([m], new StreamFramer({ maxHeaderBytes: headLength - 1 }))[0]?.type, 'error');
    assert.deepEqual(messages(feed([m], new StreamFramer({ maxHeaderBytes: headLength }))), [m]);
  });

  test('a body over the limit is refused with 413 without buffering it, and the next message is framed', () => {
    const body = 'y'.repeat(5000);
    const big = request(body);
    const next = request('next');
    const framer = new StreamFramer({ maxBodyBytes: 1000 });
    const events: StreamEvent[] = [];
    let maxHeld = 0;
    for (let k = 0; k < big.length; k += 100) {
      events.push(...framer.push(big.subarray(k, k + 100)));
      maxHeld = Math.max(maxHeld, framer.buffered);
    }
    events.push(...framer.push(next));
    assert.equal(events.length, 2);
    const [err, msg] = events;
    assert.equal(err?.type, 'error');
    if (err?.type !== 'error') return;
    assert.equal(err.status, 413);
    assert.equal(err.fatal, false);
    assert.ok(Buffer.from(err.head).toString('latin1').endsWith('Content-Length: 5000\r\n\r\n'));
    assert.ok(maxHeld < 1000, `held ${maxHeld} octets`);
    assert.deepEqual(msg, { type: 'message', bytes: next });
  });

  for (const name of ['ncl', 'mcl01', 'inv2543']) {
    test(`${name}: no usable Content-Length gives a fatal 400 naming the problem (RFC 4475)`, () => {
      const v = all.find((x) => x.name === name)!;
      const events = feed([v.bytes, framable[0]!.bytes]);
      assert.equal(events.length, 1);
      const e = events[0]!;
      assert.equal(e.type, 'error');
      if (e.type !== 'error') return;
      assert.equal(e.status, 400);
      assert.equal(e.fatal, true);
      assert.match(e.reason, name === 'ncl' ? /bad Content-Length "-999"/ : name === 'mcl01' ? /conflicting/ : /missing Content-Length/);
    });
  }

  test('clerr: a Content-Length larger than what arrived waits for more octets (RFC 4475 §3.1.2.2)', () => {
    const v = all.find((x) => x.name === 'clerr')!;
    const framer = new StreamFramer();
    assert.deepEqual(framer.push(v.bytes), []);
    assert.equal(framer.failed, false);
    assert.equal(framer.buffered, v.bytes.length);
  });
});
