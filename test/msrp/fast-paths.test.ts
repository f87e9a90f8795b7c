// Behaviour behind the performance work (issue 6): one sweep timer for all
// transactions, fair round-robin with finished messages dropped in place,
// transaction ids safe against bodies full of dashes, the numeric Byte-Range
// fast path, and single-chunk messages received without reassembly state.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { memoryPairOfEndpoints } from './helpers/memory-endpoints.js';
import { settle } from './helpers/memory-transport.js';
import { MsrpStreamParser } from '../../src/msrp/parser.js';
import type { MsrpMessage, MsrpResponse } from '../../src/msrp/message.js';
import { parseByteRange } from '../../src/msrp/byte-range.js';
import { MsrpParseError } from '../../src/msrp/msrp-parse-error.js';
import { hasDashRun } from '../../src/msrp/byte-scan.js';
import { randomIdent } from '../../src/msrp/clock.js';
import { utf8Encode } from '../../src/formats/bytes.js';
import { patternBytes } from './helpers/loopback.js';

function framesOf(chunks: Uint8Array[]): MsrpMessage[] {
  const out: MsrpMessage[] = [];
  const p = new MsrpStreamParser((m) => out.push(m));
  for (const c of chunks) p.push(c);
  return out;
}

describe('transaction timeout sweep (fake clock)', () => {
  test('many chunks in flight share one timer, and each transaction still gets its 408 at 30 s from its own send (RFC 4975 §7.1.1)', async () => {
    const p = await memoryPairOfEndpoints();
    p.aliceEnd().blackhole = true;
    const before = p.clock.pending;
    const first = p.aliceSession.send(patternBytes(2000), { chunkSize: 100, contentType: 'application/octet-stream' });
    await settle();
    assert.equal(p.alice.connections[0]!.pendingTransactions, 20);
    assert.ok(p.clock.pending <= before + 1, `${p.clock.pending - before} timers for 20 transactions`);
    p.clock.advance(10_000);
    const second = p.aliceSession.send('later');
    await settle();
    p.clock.advance(19_999);
    await settle();
    assert.equal(first.outcome, undefined, 'nothing times out before 30 s');
    p.clock.advance(1);
    assert.deepEqual(await first.done, { ok: false, status: 408, comment: 'transaction timed out', cause: 'timeout' });
    assert.equal(second.outcome, undefined, 'a request sent 10 s later is still within its 30 s');
    p.clock.advance(9_999);
    await settle();
    assert.equal(second.outcome, undefined);
    p.clock.advance(1);
    assert.equal((await second.done).status, 408);
    assert.equal(p.alice.connections[0]!.pendingTransactions, 0);
  });
});

describe('sending', () => {
  test('round robin stays fair as messages of different lengths finish (RFC 4975 §7.1.1)', async () => {
    const p = await memoryPairOfEndpoints();
    // A small high-water mark makes the connection stop mid-turn and resume later.
    p.aliceEnd().highWaterMark = 300;
    const a = p.aliceSession.send(patternBytes(100, 1), { chunkSize: 100, contentType: 'application/octet-stream' });
    const b = p.aliceSession.send(patternBytes(300, 2), { chunkSize: 100, contentType: 'application/octet-stream' });
    const c = p.aliceSession.send(patternBytes(200, 3), { chunkSize: 100, contentType: 'application/octet-stream' });
    const d = p.aliceSession.send(patternBytes(400, 4), { chunkSize: 100, contentType: 'application/octet-stream' });
    await Promise.all([a.done, b.done, c.done, d.done]);
    const order = framesOf(p.aliceEnd().written)
      .filter((f) => f.kind === 'request' && f.body)
      .map((f) => ({ [a.messageId]: 'a', [b.messageId]: 'b', [c.messageId]: 'c', [d.messageId]: 'd' })[f.headers.get('Message-ID')!]);
    assert.deepEqual(order.join(''), 'abcdbcdbdd');
    assert.equal(p.received.length, 4);
  });

  test('bodies full of dashes and end-line look-alikes still frame: ids never clash with the body (RFC 4975 §7.1)', async () => {
    const p = await memoryPairOfEndpoints();
    // End-line look-alikes (seven dashes, an id, a flag) all through the body.
    let text = '';
    for (let i = 0; i < 200; i++) text += `\r\n-------${randomIdent((n) => new Uint8Array(n).fill(i), 12)}$\r\n--------------+`;
    const body = utf8Encode(text);
    assert.ok(hasDashRun(body));
    const m = p.aliceSession.send(body, { chunkSize: 700 });
    assert.equal((await m.done).ok, true);
    assert.deepEqual(Buffer.from(p.received[0]!.body), Buffer.from(body));
  });

  test('hasDashRun finds seven dashes in short and long bodies, and not six', () => {
    for (const size of [20, 255, 257, 5000]) {
      const b = new Uint8Array(size).fill(120);
      b.fill(45, size - 6);
      assert.equal(hasDashRun(b), false, `six dashes, ${size} bytes`);
      b[size - 7] = 45;
      assert.equal(hasDashRun(b), true, `seven dashes, ${size} bytes`);
    }
  });
});

describe('receiving', () => {
  test('Byte-Range: numeric values take the fast path with the same result and errors as the full parser (RFC 4975 §7.1.1)', () => {
    assert.deepEqual(parseByteRange('1-0/0'), { start: 1, end: 0, total: 0 });
    assert.deepEqual(parseByteRange('1-2048/1048576'), { start: 1, end: 2048, total: 1048576 });
    assert.deepEqual(parseByteRange('0010-0020/0030'), { start: 10, end: 20, total: 30 });
    assert.deepEqual(parseByteRange(' 3-4/5 '), { start: 3, end: 4, total: 5 });
    assert.deepEqual(parseByteRange('2049-*/1048576'), { start: 2049, end: '*', total: 1048576 });
    assert.deepEqual(parseByteRange('1-5/*'), { start: 1, end: 5, total: '*' });
    for (const bad of ['0-5/10', '5-3/10', '1-11/10', '1-2/3/4', '1--2/3', '-1-2/3', '1-2/', '1234567890123456-1/2', 'a-1/2', '1-2/3x']) {
      assert.throws(() => parseByteRange(bad), MsrpParseError, bad);
    }
  });

  test('a whole message in one chunk over max-size gets 413; a later small one is delivered (RFC 4975 §10.5)', async () => {
    const p = await memoryPairOfEndpoints({ maxSize: 50 });
    const big = p.aliceSession.send(patternBytes(51), { contentType: 'application/octet-stream' });
    assert.equal((await big.done).status, 413);
    const small = p.aliceSession.send(patternBytes(50), { contentType: 'application/octet-stream' });
    assert.equal((await small.done).ok, true);
    assert.equal(p.received.length, 1);
    assert.equal(p.received[0]!.messageId, small.messageId);
    const r413 = framesOf(p.aliceEnd().peer.written).find((f): f is MsrpResponse => f.kind === 'response' && f.status === 413);
    assert.equal(r413?.comment, 'message of 51 octets exceeds 50');
  });

  test('a single-chunk message sent again with its Message-ID is acknowledged and delivered once (RFC 4975 §5.4)', async () => {
    const p = await memoryPairOfEndpoints();
    const m = p.aliceSession.send('hello');
    assert.equal((await m.done).ok, true);
    const again = p.aliceSession.send('hello', { messageId: m.messageId });
    assert.equal((await again.done).ok, true);
    await settle();
    assert.equal(p.received.length, 1);
  });
});
