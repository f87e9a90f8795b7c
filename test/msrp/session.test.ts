import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { memoryPairOfEndpoints } from './helpers/memory-endpoints.js';
import { memoryPair, settle } from './helpers/memory-transport.js';
import { FakeClock, seededRandom } from './helpers/fake-clock.js';
import { MsrpEndpoint } from '../../src/msrp/endpoint.js';
import { MsrpConnection } from '../../src/msrp/connection.js';
import { parseMsrpMessage, MsrpStreamParser } from '../../src/msrp/parser.js';
import { serializeMsrpMessage } from '../../src/msrp/serializer.js';
import type { MsrpMessage, MsrpResponse } from '../../src/msrp/message.js';
import { getByteRange, getStatus } from '../../src/msrp/header-values.js';
import { buildCpim, serializeCpim } from '../../src/formats/cpim.js';
import { utf8Decode, utf8Encode } from '../../src/formats/bytes.js';
import { patternBytes } from './helpers/loopback.js';
import { readVector } from './helpers/vectors.js';

/** Every frame a memory transport end wrote, parsed. */
function framesOf(chunks: Uint8Array[]): MsrpMessage[] {
  const out: MsrpMessage[] = [];
  const p = new MsrpStreamParser((m) => out.push(m));
  for (const c of chunks) p.push(c);
  return out;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10000 && !cond(); i++) await settle();
  assert.ok(cond(), 'condition never became true');
}

describe('MSRP session: sending and receiving', () => {
  test('a message larger than a chunk arrives whole; Success-Report yes yields a REPORT covering all bytes', async () => {
    const p = await memoryPairOfEndpoints();
    const body = patternBytes(10_000);
    const m = p.aliceSession.send(body, { successReport: true, contentType: 'application/octet-stream' });
    assert.deepEqual(await m.done, { ok: true, status: 200, cause: 'report' });
    assert.equal(p.received.length, 1);
    assert.deepEqual(Buffer.from(p.received[0]!.body), Buffer.from(body));
    assert.equal(p.reports.length, 1);
    assert.deepEqual(p.reports[0]!.byteRange, { start: 1, end: 10_000, total: 10_000 });
    // Default chunking: 2048-octet chunks with explicit range-end (RFC 4975 §7.1.1).
    const sends = framesOf(p.aliceEnd().written).filter((f) => f.kind === 'request' && f.method === 'SEND' && f.body);
    assert.deepEqual(
      sends.map((f) => f.kind === 'request' && `${f.headers.get('Byte-Range')}${f.flag}`),
      ['1-2048/10000+', '2049-4096/10000+', '4097-6144/10000+', '6145-8192/10000+', '8193-10000/10000$'],
    );
  });

  test('configurable chunk size: chunks over 2048 octets get range-end "*"', async () => {
    const p = await memoryPairOfEndpoints();
    const m = p.aliceSession.send(patternBytes(5000), { chunkSize: 4096 });
    assert.equal((await m.done).ok, true);
    const sends = framesOf(p.aliceEnd().written).filter((f) => f.kind === 'request' && f.body);
    assert.deepEqual(sends.map((f) => f.headers.get('Byte-Range')), ['1-*/5000', '4097-5000/5000']);
  });

  test('several messages interleave on one connection and each arrives intact', async () => {
    const p = await memoryPairOfEndpoints();
    const a = patternBytes(9000, 1);
    const b = patternBytes(7000, 2);
    const ma = p.aliceSession.send(a, { contentType: 'application/octet-stream' });
    const mb = p.aliceSession.send(b, { contentType: 'application/octet-stream' });
    await Promise.all([ma.done, mb.done]);
    const ids = framesOf(p.aliceEnd().written)
      .filter((f) => f.kind === 'request' && f.body)
      .map((f) => f.headers.get('Message-ID'));
    // Round robin: the two Message-IDs alternate while both have chunks left.
    assert.deepEqual(ids.slice(0, 4), [ma.messageId, mb.messageId, ma.messageId, mb.messageId]);
    const got = new Map(p.received.map((r) => [r.messageId, r.body]));
    assert.deepEqual(Buffer.from(got.get(ma.messageId)!), Buffer.from(a));
    assert.deepEqual(Buffer.from(got.get(mb.messageId)!), Buffer.from(b));
  });

  test('Failure-Report: no gets no transaction response at all; the message counts as delivered once written', async () => {
    const p = await memoryPairOfEndpoints();
    const m = p.aliceSession.send('system message', { failureReport: 'no' });
    assert.deepEqual(await m.done, { ok: true, status: 200, cause: 'delivered' });
    await until(() => p.received.length === 1);
    const bobWrote = framesOf(p.aliceEnd().peer.written);
    // Only the 200 to the binding SEND.
    assert.equal(bobWrote.filter((f) => f.kind === 'response').length, 1);
  });

  test('Failure-Report: partial gets no 200 but does get an error response (415)', async () => {
    const p = await memoryPairOfEndpoints({ acceptTypes: ['text/plain'] });
    const late: number[] = [];
    p.aliceSession.delegate = { onSendFailure: (_s, _m, o) => late.push(o.status) };
    const ok = p.aliceSession.send('fine', { failureReport: 'partial' });
    assert.equal((await ok.done).ok, true);
    const bad = p.aliceSession.send('<b/>', { failureReport: 'partial', contentType: 'text/html' });
    // With "partial" nothing positive comes back: done resolves once written, the 415 arrives later.
    assert.equal((await bad.done).cause, 'delivered');
    await until(() => late.length === 1);
    assert.deepEqual(bad.outcome, { ok: false, status: 415, comment: 'Unsupported Media Type', cause: 'response' });
    const responses = framesOf(p.aliceEnd().peer.written).filter((f): f is MsrpResponse => f.kind === 'response');
    assert.deepEqual(responses.map((r) => r.status), [200, 415]);
  });

  test('unsupported media type is answered 415 (RFC 4975 §7.3.1), wildcards accept', async () => {
    const p = await memoryPairOfEndpoints({ acceptTypes: ['text/*', 'message/cpim'] });
    assert.equal((await p.aliceSession.send('x', { contentType: 'text/html' }).done).ok, true);
    const r = await p.aliceSession.send('x', { contentType: 'image/png' }).done;
    assert.equal(r.status, 415);
  });

  test('message/cpim with a wrapped type outside accept-wrapped-types fails with a 415 REPORT', async () => {
    const p = await memoryPairOfEndpoints({ acceptTypes: ['message/cpim'], acceptWrappedTypes: ['text/plain'] });
    const cpim = (type: string) =>
      serializeCpim(buildCpim({ from: { uri: 'sip:a@example.com' }, to: [{ uri: 'sip:b@example.com' }], contentType: type, body: 'hi' }));
    const good = await p.aliceSession.send(cpim('text/plain'), { contentType: 'message/cpim' }).done;
    assert.equal(good.ok, true);
    const bad = p.aliceSession.send(cpim('text/html'), { contentType: 'message/cpim', successReport: true });
    const outcome = await bad.done;
    assert.equal(outcome.status, 415);
    assert.equal(outcome.cause, 'report');
    assert.equal(p.received.length, 1);
  });

  test('413: a message over max-size is refused and the sender stops sending its chunks (RFC 4975 §10.5)', async () => {
    const p = await memoryPairOfEndpoints({ maxSize: 4096 });
    const m = p.aliceSession.send(patternBytes(20_000), { contentType: 'application/octet-stream' });
    const outcome = await m.done;
    assert.equal(outcome.status, 413);
    await settle();
    const sends = framesOf(p.aliceEnd().written).filter((f) => f.kind === 'request' && f.body);
    // The total in Byte-Range already exceeds max-size, so the first chunk is refused;
    // at most the chunks written before the 413 came back were sent.
    assert.ok(sends.length < 10, `sent ${sends.length} chunks of 10`);
    assert.equal(p.received.length, 0);
    // A later chunk of the same message is refused again without buffering.
    const responses = framesOf(p.aliceEnd().peer.written).filter((f): f is MsrpResponse => f.kind === 'response');
    assert.ok(responses.slice(1).every((r) => r.status === 413));
  });

  test('abort: the message ends with a "#" chunk and the receiver discards it', async () => {
    const p = await memoryPairOfEndpoints();
    const m = p.aliceSession.send(patternBytes(100_000), { contentType: 'application/octet-stream' });
    m.abort();
    // abort() before the first chunk: nothing is sent at all.
    assert.equal((await m.done).cause, 'aborted');
    const m2 = p.aliceSession.send(patternBytes(100_000), { contentType: 'application/octet-stream' });
    await until(() => m2.bytesSent > 0);
    m2.abort();
    assert.equal((await m2.done).cause, 'aborted');
    await settle();
    const last = framesOf(p.aliceEnd().written).filter((f) => f.kind === 'request').pop()!;
    assert.equal(last.flag, '#');
    assert.equal(p.received.length, 0);
  });

  test('an empty message is sent as Byte-Range 1-0/0 and delivered', async () => {
    const p = await memoryPairOfEndpoints();
    const m = p.aliceSession.send(new Uint8Array(0), { successReport: true });
    assert.equal((await m.done).ok, true);
    assert.equal(p.received[0]!.body.length, 0);
  });

  test('a duplicate chunk is acknowledged but the message is delivered once (RFC 4975 §5.4)', async () => {
    const p = await memoryPairOfEndpoints();
    const m = p.aliceSession.send('hello', { messageId: 'dup12345' });
    await m.done;
    const again = p.aliceSession.send('hello', { messageId: 'dup12345' });
    assert.equal((await again.done).ok, true);
    assert.equal(p.received.length, 1);
  });

  test('REPORT for an unknown Message-ID is ignored and never answered', async () => {
    const p = await memoryPairOfEndpoints();
    const conn = p.aliceSession.connection!;
    const report = parseMsrpMessage(readVector('rfc4975', 's11.6-fig17-report.msrp'));
    assert.equal(report.kind, 'request');
    if (report.kind !== 'request') return;
    report.headers.set('To-Path', p.bobSession.localUri.scheme + '://bob.example.com:8888/' + p.bobSession.sessionId + ';tcp');
    const before = p.aliceEnd().peer.written.length;
    conn.sendRequest(report);
    await settle();
    await settle();
    assert.equal(p.aliceEnd().peer.written.length, before);
  });
});

describe('MSRP endpoint: binding and routing', () => {
  async function rawConnection(bob: MsrpEndpoint, clock: FakeClock) {
    const [a, b] = memoryPair();
    bob.acceptTransport(b);
    const got: MsrpMessage[] = [];
    new MsrpConnection({
      transport: a,
      clock,
      random: seededRandom(1),
      delegate: { onRequest: (_c, r) => got.push(r), onClose: () => undefined },
    });
    // Responses are matched to transactions inside MsrpConnection; read them off the wire instead.
    return { a, send: (text: string) => a.write([utf8Encode(text)]), responses: () => framesOf(b.written), got };
  }

  test('481 for a request to an unknown session (RFC 4975 §7.3)', async () => {
    const clock = new FakeClock();
    const bob = new MsrpEndpoint({ host: 'bob.example.com', port: 8888, clock, random: seededRandom(3) });
    const raw = await rawConnection(bob, clock);
    raw.send(utf8Decode(readVector('rfc4975', 's04-fig2-a-send.msrp')));
    await settle();
    const [r] = raw.responses();
    assert.equal(r!.kind === 'response' && r!.status, 481);
    assert.equal(r!.headers.get('To-Path'), 'msrp://atlanta.example.com:7654/jshA7weztas;tcp');
  });

  test('501 for an unknown method, 400 for a request without To-Path', async () => {
    const clock = new FakeClock();
    const bob = new MsrpEndpoint({ host: 'bob.example.com', port: 8888, clock, random: seededRandom(3) });
    const s = bob.createSession({ sessionId: 'kjhd37s2s20w2a' });
    void s;
    const raw = await rawConnection(bob, clock);
    raw.send(
      'MSRP abcd1234 FROB\r\nTo-Path: msrp://bob.example.com:8888/kjhd37s2s20w2a;tcp\r\nFrom-Path: msrp://a.example.com:1/x;tcp\r\n-------abcd1234$\r\n' +
        'MSRP abcd1235 SEND\r\nMessage-ID: 4564dpWd\r\nByte-Range: 1-*/8\r\nContent-Type: text/plain\r\n\r\nabcd\r\n-------abcd1235+\r\n',
    );
    await settle();
    const [r1, r2] = raw.responses();
    assert.equal(r1!.kind === 'response' && r1!.status, 501);
    // RFC 4975 §5.1 Figure 3 chunks omit the paths: a strict receiver answers 400 if it can answer at all.
    assert.equal(r2, undefined);
  });

  test('506 when a session already bound to one connection is addressed on another (RFC 4975 §5.4)', async () => {
    const p = await memoryPairOfEndpoints();
    const raw = await rawConnection(p.bob, p.clock);
    raw.send(
      `MSRP abcd9999 SEND\r\nTo-Path: msrp://bob.example.com:8888/${p.bobSession.sessionId};tcp\r\nFrom-Path: msrp://evil.example.com:1/x;tcp\r\nMessage-ID: m1234567\r\nByte-Range: 1-0/0\r\n-------abcd9999$\r\n`,
    );
    await settle();
    const [r] = raw.responses();
    assert.equal(r!.kind === 'response' && r!.status, 506);
  });

  test('connection reuse: a second session to the same host, port and scheme shares the connection (RFC 4975 §5.4)', async () => {
    const p = await memoryPairOfEndpoints();
    const bs2 = p.bob.createSession();
    const as2 = p.alice.createSession({ remotePath: [bs2.localUri] });
    bs2.setRemotePath([as2.localUri]);
    assert.equal(await p.alice.connect(as2), 200);
    assert.equal(as2.connection, p.aliceSession.connection);
    assert.equal(p.alice.connections.length, 1);
  });

  test('a connection that fails makes its sessions fail (RFC 4975 §5.4)', async () => {
    const p = await memoryPairOfEndpoints();
    let closed: string | undefined;
    p.aliceSession.delegate = { onClose: (_s, r) => (closed = r) };
    const m = p.aliceSession.send('x', { successReport: true });
    p.aliceEnd().close();
    const o = await m.done;
    assert.equal(o.ok, false);
    assert.equal(o.cause, 'connection-lost');
    await settle();
    assert.equal(closed, 'connection-lost');
  });

  test('an idle connection without sessions is closed after idleTimeoutMs', async () => {
    const clock = new FakeClock();
    const random = seededRandom(5);
    const bob = new MsrpEndpoint({ host: 'b.example.com', port: 1, clock, random, idleTimeoutMs: 10_000 });
    const [, b] = memoryPair();
    bob.acceptTransport(b);
    clock.advance(9_999);
    await settle();
    assert.equal(b.closed, false);
    clock.advance(10_000);
    await settle();
    assert.equal(b.closed, true);
  });
});

describe('MSRP transaction timer (fake clock)', () => {
  test('no response within 30 s gives a 408 failure; 1 ms earlier it is still pending (RFC 4975 §7.1.1)', async () => {
    const p = await memoryPairOfEndpoints();
    const end = p.aliceEnd();
    end.blackhole = true;
    const m = p.aliceSession.send('are you there?');
    await settle();
    p.clock.advance(29_999);
    await settle();
    assert.equal(m.outcome, undefined);
    p.clock.advance(1);
    const o = await m.done;
    assert.deepEqual(o, { ok: false, status: 408, comment: 'transaction timed out', cause: 'timeout' });
  });

  test('Failure-Report partial or no runs no timer', async () => {
    const p = await memoryPairOfEndpoints();
    p.aliceEnd().blackhole = true;
    const m = p.aliceSession.send('x', { failureReport: 'no' });
    assert.equal((await m.done).ok, true);
    p.clock.advance(60_000);
    assert.equal(m.outcome?.ok, true);
  });

  test('a 408 from a relay is treated like a local timeout (RFC 4975 §10.4)', async () => {
    const clock = new FakeClock();
    const [a, b] = memoryPair();
    const results: number[] = [];
    const conn = new MsrpConnection({ transport: a, clock, random: seededRandom(9), delegate: { onRequest: () => undefined, onClose: () => undefined } });
    const req = parseMsrpMessage(readVector('rfc4975', 'derived-consistent/s04-fig2-a-send.msrp'));
    if (req.kind !== 'request') throw new Error('x');
    conn.sendRequest(req, (r) => results.push(r.status));
    b.setHandler({ onData: () => undefined, onDrain: () => undefined, onClose: () => undefined });
    b.write([
      serializeMsrpMessage({ kind: 'response', transactionId: req.transactionId, status: 408, comment: 'Request Timeout', headers: req.headers.clone(), flag: '$' }),
    ]);
    await settle();
    assert.deepEqual(results, [408]);
    assert.equal(conn.pendingTransactions, 0);
  });
});

describe('MSRP REPORT contents', () => {
  test('success REPORT: To-Path from the SEND From-Path, Status 000 200, Byte-Range of the whole message (RFC 4975 §7.1.3)', async () => {
    const p = await memoryPairOfEndpoints();
    await p.aliceSession.send('Hi, Alice!', { successReport: true }).done;
    const report = framesOf(p.aliceEnd().peer.written).find((f) => f.kind === 'request' && f.method === 'REPORT')!;
    assert.equal(report.headers.get('To-Path'), `msrp://alice.example.com:7777/${p.aliceSession.sessionId};tcp`);
    assert.deepEqual(getStatus(report.headers), { namespace: '000', code: 200, comment: 'OK' });
    assert.deepEqual(getByteRange(report.headers), { start: 1, end: 10, total: 10 });
    assert.equal(report.headers.has('Success-Report'), false);
  });
});
