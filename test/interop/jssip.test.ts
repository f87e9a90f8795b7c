import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';
import { JsSipPeer } from '../support/peers/jssip-ua.js';
import { MD5_ONLY_ENV } from '../support/peers/md5-only.js';

// JsSIP (npm jssip 3.13) is the SIP stack of many web clients; here it runs in
// Node over `ws`, against simpleim's SIP-over-WebSocket endpoint (RFC 7118).
// JsSIP speaks MD5 only and reads only the last challenge: the server must
// offer MD5 alone (see MD5_ONLY_ENV), or it fails with "Authentication Error 401".
// It registers no +g.oma.sip-im, so the IM server must still deliver pager-mode
// MESSAGEs to it when the user has no IM-capable device.
describe('JsSIP over WebSocket (RFC 7118) and a UDP user, through simpleim', { timeout: 60_000 }, () => {
  let server: TestServer;
  let carol: JsSipPeer | undefined;
  let bob: TestUa | undefined;

  before(async () => {
    server = await startServer({ users: { carol: 'carol-pw', bob: 'bob-pw' }, env: MD5_ONLY_ENV });
  });
  after(async () => {
    await carol?.stop();
    await bob?.close();
    assert.equal(await server.stop(), 0, 'the server stops cleanly on SIGTERM');
  });

  test('JsSIP registers over ws://…/sip with digest authentication (401, MD5)', async () => {
    carol = await JsSipPeer.register({ httpPort: server.httpPort, uri: 'sip:carol@example.com', password: 'carol-pw' });
    assert.equal(carol.ua.isRegistered(), true);
    bob = await TestUa.create({ user: 'bob', password: 'bob-pw', serverPort: server.sipPort, protocol: 'UDP' });
    assert.equal((await bob.register()).status, 200);
  });

  test('JsSIP → UDP user: the MESSAGE is delivered with the asserted identity of the JsSIP user and JsSIP sees the 200', async () => {
    assert.ok(carol && bob, 'registered in the previous test');
    const status = await carol.send('sip:bob@example.com', 'hello bob, from a browser stack');
    assert.equal(status, 200);
    const got = await bob.waitFor((r) => r.method === 'MESSAGE');
    assert.equal(Buffer.from(got.body).toString(), 'hello bob, from a browser stack');
    assert.match(got.getAll('p-asserted-identity')[0] ?? '', /<sip:carol@example\.com>/);
  });

  test('UDP user → JsSIP: the server reaches the WebSocket client over its registered flow (newMessage)', async () => {
    assert.ok(carol && bob, 'registered in the previous test');
    const res = await bob.request('MESSAGE', 'sip:carol@example.com', { body: 'hi carol, from UDP' });
    assert.equal(res.status, 200);
    const got = await carol.waitFor((m) => m.body === 'hi carol, from UDP');
    assert.equal(got.from, 'sip:bob@example.com');
    assert.match(got.assertedIdentity ?? '', /<sip:bob@example\.com>/);
    assert.match(got.contentType ?? '', /^text\/plain/);
  });
});
