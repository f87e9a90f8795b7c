import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';
import { httpAs, putXcap } from './support/http-client.js';
import { isMessage, settle } from './support/inbox.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'mallory', 'trent'];
const policy = (rules: string) => `<?xml version="1.0" encoding="UTF-8"?>
<cr:ruleset xmlns:cr="urn:ietf:params:xml:ns:common-policy" xmlns:im="urn:oma:xml:im:im-rules">${rules}</cr:ruleset>`;
const rule = (id: string, handling: string, ids: string) =>
  `<cr:rule id="${id}"><cr:conditions><cr:identity>${ids}</cr:identity></cr:conditions><cr:actions><im:im-handling>${handling}</im:im-handling></cr:actions></cr:rule>`;

describe('IM server access control: accept and reject lists (OMA IM digest §4.4, §8.3.2)', () => {
  let server: TestServer;
  const uas: TestUa[] = [];
  const ua = async (user: string) => {
    const u = await TestUa.create({ user, password: `${user}-pw`, serverPort: server.sipPort });
    uas.push(u);
    return u;
  };
  const setPolicy = async (user: string, rules: string) => {
    const r = await putXcap(server.httpPort, { name: user, password: `${user}-pw` }, 'example.com', 'org.openmobilealliance.im-rules', 'index', 'application/auth-policy+xml', policy(rules));
    assert.ok(r.status === 200 || r.status === 201, `PUT policy: ${r.status} ${r.body}`);
  };

  before(async () => {
    server = await startServer({ users: Object.fromEntries(USERS.map((n) => [n, `${n}-pw`])) });
  });
  after(async () => {
    for (const u of uas) await u.close();
    assert.equal(await server.stop(), 0);
  });

  test('a rejected sender gets the same 403 whether the recipient is registered or not, and nothing is stored', async () => {
    await setPolicy('bob', rule('r', 'reject', '<cr:one id="sip:mallory@example.com"/>'));
    const mallory = await ua('mallory');
    const offline = await mallory.request('MESSAGE', 'sip:bob@example.com', { body: 'spam 1' });
    const bob = await ua('bob');
    assert.equal((await bob.register()).status, 200);
    const online = await mallory.request('MESSAGE', 'sip:bob@example.com', { body: 'spam 2' });
    assert.equal(offline.status, 403);
    assert.equal(online.status, 403);
    assert.equal(offline.reason, online.reason);
    const invite = await mallory.request('INVITE', 'sip:bob@example.com', { body: 'v=0\r\n', contentType: 'application/sdp' });
    assert.equal(invite.status, 403, 'INVITE is refused alike');
    await settle();
    assert.equal(bob.inbox.length, 0);
    const stored = JSON.parse((await httpAs(server.httpPort, { name: 'bob', password: 'bob-pw' }, 'GET', '/im/deferred')).body).messages as unknown[];
    assert.equal(stored.length, 0);
    const alice = await ua('alice');
    assert.equal((await alice.request('MESSAGE', 'sip:bob@example.com', { body: 'hello' })).status, 200, 'others pass');
    // A change of the lists applies from the next request on.
    await setPolicy('bob', rule('r', 'reject', '<cr:one id="sip:alice@example.com"/>'));
    assert.equal((await mallory.request('MESSAGE', 'sip:bob@example.com', { body: 'now welcome' })).status, 200);
    assert.equal((await alice.request('MESSAGE', 'sip:bob@example.com', { body: 'now refused' })).status, 403);
  });

  test('with a non-empty accept list only listed senders (URIs or whole domains) get through; the own AoR always does', async () => {
    await setPolicy('carol', rule('a', 'accept', '<cr:one id="sip:alice@example.com"/>') + rule('r', 'reject', '<cr:many domain="example.com"/>'));
    const carol = await ua('carol');
    assert.equal((await carol.register()).status, 200);
    const alice = await ua('alice');
    const dave = await ua('dave');
    assert.equal((await dave.request('MESSAGE', 'sip:carol@example.com', { body: 'x' })).status, 403, 'the domain is rejected');
    assert.equal((await alice.request('MESSAGE', 'sip:carol@example.com', { body: 'x' })).status, 403, 'reject wins over accept');
    const own = await ua('carol');
    assert.equal((await own.request('MESSAGE', 'sip:carol@example.com', { body: 'note to self' })).status, 200, 'own AoR is always accepted');
    await carol.waitFor((r) => isMessage(r) && r.bodyText() === 'note to self');

    await setPolicy('trent', rule('a', 'accept', '<cr:one id="sip:alice@example.com"/>'));
    assert.equal((await alice.request('MESSAGE', 'sip:trent@example.com', { body: 'listed' })).status, 202, 'listed: passes (and is stored)');
    assert.equal((await dave.request('MESSAGE', 'sip:trent@example.com', { body: 'not listed' })).status, 403);
  });
});
