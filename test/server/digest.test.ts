import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';
import { answerChallenge, parseChallenge, serializeCredentials } from '../../src/formats/digest.js';

describe('registrar digest nonces (RFC 3261 §22.4, RFC 7616 §3.3)', () => {
  let server: TestServer;
  let ua: TestUa;
  before(async () => {
    server = await startServer({ users: { alice: 'pw' }, env: { SIMPLEIM_NONCE_LIFETIME: '1' } });
    ua = await TestUa.create({ user: 'alice', password: 'pw', serverPort: server.sipPort });
  });
  after(async () => {
    await ua.close();
    await server.stop();
  });

  test('an answer to an expired nonce gets a new 401 challenge with stale=true', async () => {
    const first = await ua.request('REGISTER', 'sip:example.com', { to: ua.aor, auth: false, headers: [['Contact', `<${ua.contactUri()}>`]] });
    assert.equal(first.status, 401);
    const c = parseChallenge(first.getLines('WWW-Authenticate')[0]!);
    assert.equal(c.stale, undefined, 'a first challenge is not stale');
    await new Promise((r) => setTimeout(r, 1500));
    const creds = serializeCredentials(
      answerChallenge(c, { username: 'alice', password: 'pw', method: 'REGISTER', uri: 'sip:example.com', cnonce: '0a4f113b', nc: 1 }),
    );
    const late = await ua.request('REGISTER', 'sip:example.com', {
      to: ua.aor,
      auth: false,
      headers: [['Contact', `<${ua.contactUri()}>`], ['Authorization', creds]],
    });
    assert.equal(late.status, 401);
    assert.ok(late.getLines('WWW-Authenticate').every((h) => parseChallenge(h).stale === true), late.getLines('WWW-Authenticate').join('\n'));
    // The client retries with the fresh nonce without asking the user again, and gets in.
    assert.equal((await ua.register()).status, 200);
  });
});
