import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startServer, type TestServer } from '../support/server.js';
import { answerChallenge, parseChallenge, serializeCredentials } from '../../src/formats/digest.js';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('XCAP authentication on the running server (RFC 4825 §5.1)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw' } });
  });
  after(async () => {
    await server.stop();
  });

  const caps = '/xcap/xcap-caps/global/index';

  test('no credentials: 401 with a digest challenge', async () => {
    const r = await get(server.httpPort, caps);
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Digest realm="example.com"/);
  });

  test('Basic credentials over plain HTTP are refused even with the right password', async () => {
    const r = await get(server.httpPort, caps, { Authorization: 'Basic ' + Buffer.from('alice:alice-pw').toString('base64') });
    assert.equal(r.status, 401);
  });

  test('digest with the user store password gets in; another user’s home is 403', async () => {
    const first = await get(server.httpPort, caps);
    const ch = parseChallenge(String(first.headers['www-authenticate']));
    const auth = (uri: string, nc: number) =>
      serializeCredentials(answerChallenge(ch, { username: 'alice', password: 'alice-pw', method: 'GET', uri, cnonce: 'c0ffee01', nc }));
    const ok = await get(server.httpPort, caps, { Authorization: auth(caps, 1) });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /xcap-caps/);
    const bobs = '/xcap/resource-lists/users/sip:bob@example.com/index';
    const other = await get(server.httpPort, bobs, { Authorization: auth(bobs, 2) });
    assert.equal(other.status, 403);
  });
});
