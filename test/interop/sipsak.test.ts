import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';
import { describeTool } from '../support/peers/run-tool.js';
import { sipsakMessage, sipsakRegister } from '../support/peers/sipsak.js';

// sipsak 0.9.8.1 (Debian 12) speaks MD5 only and reads only the first
// challenge: it works because simpleim lists its MD5 challenge first.
describe('sipsak against simpleim over UDP (digest REGISTER, MESSAGE from a file)', { timeout: 60_000 }, () => {
  let server: TestServer;
  const uas: TestUa[] = [];
  const ua = async (user: string) => {
    const u = await TestUa.create({ user, password: `${user}-pw`, serverPort: server.sipPort, protocol: 'UDP' });
    uas.push(u);
    return u;
  };

  before(async () => {
    server = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' } });
  });
  after(async () => {
    for (const u of uas) await u.close();
    assert.equal(await server.stop(), 0, 'the server stops cleanly on SIGTERM');
  });

  test('sipsak registers with digest authentication (401, MD5) and the binding routes requests to its Contact', async () => {
    // sipsak cannot stay registered to receive, so its Contact names a TestUa's
    // socket; an OPTIONS (not a MESSAGE, which the IM server keeps for
    // IM-capable contacts) shows the proxy uses the binding.
    const device = await ua('alice');
    const r = await sipsakRegister({ port: server.sipPort, user: 'alice', password: 'alice-pw', domain: 'example.com', contact: device.contactUri() });
    assert.equal(r.code, 0, describeTool('sipsak', r));
    assert.match(r.stdout, /401 Unauthorized/);
    assert.match(r.stdout, /SIP\/2\.0 200 OK[\s\S]*Contact: <sip:alice@127\.0\.0\.1:\d+>;expires=600/);
    const bob = await ua('bob');
    const res = await bob.request('OPTIONS', 'sip:alice@example.com');
    assert.equal(res.status, 200);
    const got = await device.waitFor((m) => m.method === 'OPTIONS');
    assert.match(got.getAll('from')[0] ?? '', /<sip:bob@example\.com>/);
  });

  test('sipsak sends a MESSAGE from a file, answers the 407, and the registered recipient gets it with P-Asserted-Identity', async () => {
    const bob = await ua('bob');
    assert.equal((await bob.register()).status, 200);
    const r = await sipsakMessage({
      port: server.sipPort,
      from: 'sip:alice@example.com',
      to: 'sip:bob@example.com',
      body: 'hello bob, this is sipsak',
      user: 'alice',
      password: 'alice-pw',
    });
    assert.equal(r.code, 0, describeTool('sipsak', r));
    assert.match(r.stdout, /407 Proxy Authentication Required/);
    assert.match(r.stdout, /Proxy-Authorization: Digest username="alice"[^\n]*algorithm=MD5/);
    const got = await bob.waitFor((m) => m.method === 'MESSAGE' && Buffer.from(m.body).toString() === 'hello bob, this is sipsak');
    assert.equal(got.getAll('p-asserted-identity')[0], '<sip:alice@example.com>');
    assert.equal(got.getAll('proxy-authorization').length, 0, 'the proxy consumed the credentials (RFC 3261 §22.3)');
  });

  test('sipsak authenticated as bob but claiming From alice gets 403, and nothing is delivered', async () => {
    const carol = await ua('carol');
    assert.equal((await carol.register()).status, 200);
    const r = await sipsakMessage({
      port: server.sipPort,
      from: 'sip:alice@example.com',
      to: 'sip:carol@example.com',
      body: 'spoofed',
      user: 'bob',
      password: 'bob-pw',
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, /SIP\/2\.0 403 From does not match the authenticated identity/);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(carol.inbox.filter((m) => m.method === 'MESSAGE').length, 0);
  });

  test('sipsak without credentials, as a user of another domain, reaches a local user unauthenticated and without asserted identity', async () => {
    const bob = await ua('bob');
    assert.equal((await bob.register()).status, 200);
    const r = await sipsakMessage({ port: server.sipPort, from: 'sip:dave@elsewhere.example', to: 'sip:bob@example.com', body: 'from another domain' });
    assert.equal(r.code, 0, describeTool('sipsak', r));
    assert.doesNotMatch(r.stdout, /407/);
    const got = await bob.waitFor((m) => m.method === 'MESSAGE' && Buffer.from(m.body).toString() === 'from another domain');
    assert.equal(got.getAll('p-asserted-identity').length, 0);
    assert.match(got.getAll('from')[0] ?? '', /<sip:dave@elsewhere\.example>/);
  });
});
