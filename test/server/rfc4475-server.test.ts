import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startServer, type TestServer } from '../support/server.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'rfc4475');
const rows = readFileSync(join(DIR, 'index.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map(([name, file, section, title, validity]) => ({ name: name!, file: file!, section: section!, title: title!, validity: validity! }));

/**
 * What the running server answers to each RFC 4475 message (status code, or
 * null for "no response"). Sent over TCP, one connection per message, so the
 * answer comes back on the connection whatever the message's Via says.
 * Requests go to sip:...@example.com, the domain the test server serves.
 */
const EXPECTED: Record<string, number | null | 'any'> = {
  // 3.1.1 valid: the server answers (a challenge, 404, 501...) and never crashes.
  wsinv: 'any', intmeth: 'any', esc01: 'any', escnull: 'any', esc02: 'any', lwsdisp: 'any', longreq: 'any',
  semiuri: 'any', transports: 'any', mpart01: 'any',
  dblreq: 'any',
  // Responses are never answered (RFC 3261 §18.1.2: a stray response is dropped).
  unreason: null, noreason: null, bcast: null, scalarlg: null, bigcode: null,
  // 3.1.2 invalid: 400 with a reason, 505 for the version.
  badinv01: 400, ncl: 400, scalar02: 400, quotbal: 400, ltgtruri: 400, lwsruri: 400, lwsstart: 400, trws: 400,
  escruri: 400, regbadct: 400, badaspec: 400, badvers: 505, mismatch01: 400, mismatch02: 400,
  insuf: 400, multi01: 400, mcl01: 400,
  // Liberal about Date (RFC 4475 allows it): the request is processed.
  baddate: 'any',
  // clerr on a stream: the server waits for the rest of the body (RFC 4475 §3.1.2.2).
  clerr: null,
  // The archive's baddn.dat ends without the empty line after the headers:
  // on a stream that is an unfinished message, so the server waits for more.
  baddn: null,
  // 3.3 application level.
  badbranch: 'any',
  unkscm: 416, novelsc: 416,
  unksm2: 'any',
  bext01: 420,
  invut: 'any',
  regaut01: 401,
  zeromf: 483,
  cparam01: 'any', cparam02: 'any', regescrt: 'any', sdp01: 'any',
  // inv2543 has no Content-Length: on a stream that is an error (RFC 3261 §18.3), answered with 400.
  inv2543: 400,
};

function exchange(port: number, bytes: Buffer, waitMs = 400): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed });
    }, waitMs);
    s.on('data', (d) => {
      text += d.toString('latin1');
      // One whole response (our answers carry no body) is all we wait for.
      if (text.includes('\r\n\r\n')) {
        clearTimeout(timer);
        s.destroy();
        resolve({ text, closed });
      }
    });
    s.on('close', () => (closed = true));
    s.on('error', () => undefined);
    s.write(bytes);
  });
}

describe('RFC 4475 torture tests against the running server', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ users: { caller: 'pw', user: 'pw' } });
  });
  after(async () => {
    await server.stop();
  });

  for (const r of rows) {
    const want = EXPECTED[r.name];
    test(`${r.section} ${r.name}: ${r.title} → ${want === null ? 'no answer' : want === 'any' ? 'handled' : want}`, async () => {
      assert.notEqual(want, undefined, `no expectation written for ${r.name}`);
      const bytes = readFileSync(join(DIR, r.file));
      const { text } = await exchange(server.sipPort, bytes);
      const status = /^SIP\/2\.0 (\d{3}) (.*)$/m.exec(text);
      if (want === null) {
        assert.equal(status, null, `expected no answer, got ${text.slice(0, 80)}`);
      } else if (want === 'any') {
        if (r.name !== 'dblreq') assert.ok(status, 'the server answered');
      } else {
        assert.ok(status, `expected ${want}, got no answer`);
        assert.equal(Number(status[1]), want, text.slice(0, 200));
        if (want === 400) assert.ok(status[2]!.length > 0 && status[2] !== 'Bad Request', `the reason names the problem: "${status[2]}"`);
      }
      // The server keeps serving.
      const ping = Buffer.from(
        `OPTIONS sip:127.0.0.1:${server.sipPort} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-ping` + r.name +
          '\r\nMax-Forwards: 70\r\nFrom: <sip:x@example.com>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ping-' + r.name +
          '\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
      );
      const pong = await exchange(server.sipPort, ping, 2000);
      assert.match(pong.text, /^SIP\/2\.0 200 /);
    });
  }
});
