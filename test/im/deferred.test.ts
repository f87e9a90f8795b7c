import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa, uaPool } from '../support/test-ua.js';
import { httpAs, httpPlain, putXcap } from './support/http-client.js';
import { isMessage, settle, waitForCount } from './support/inbox.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank', 'ivan'];
const CPIM = (text: string) =>
  `From: "Alice" <sip:alice@example.com>\r\nTo: <sip:dave@example.com>\r\nDateTime: 2024-05-06T07:08:09.000Z\r\n\r\nContent-Type: text/plain\r\n\r\n${text}`;

describe('IM server deferred messaging (OMA IM digest §3.4): store, push on registration, retrieval', () => {
  let server: TestServer;
  const { ua, closeAll } = uaPool(() => server.sipPort);
  const cred = (name: string) => ({ name, password: `${name}-pw` });

  before(async () => {
    server = await startServer({ users: Object.fromEntries(USERS.map((n) => [n, `${n}-pw`])) });
  });
  after(async () => {
    await closeAll();
    assert.equal(await server.stop(), 0);
  });

  test('an offline recipient: 202 for each message; on REGISTER each arrives in order with its original sender, time and a stable id', async () => {
    const alice = await ua('alice');
    const t0 = Date.now();
    const sent = [
      { body: 'first', type: 'text/plain', headers: [['Subject', 'one']] as Array<[string, string]> },
      { body: CPIM('second'), type: 'message/cpim', headers: [] },
      { body: 'third', type: 'text/plain;charset=UTF-8', headers: [] },
    ];
    for (const m of sent) {
      const res = await alice.request('MESSAGE', 'sip:dave@example.com', { body: m.body, contentType: m.type, headers: m.headers });
      assert.equal(res.status, 202);
      assert.equal(res.body.length, 0, 'RFC 3428: a 2xx carries no body');
    }
    const dave = await ua('dave', 'TCP');
    assert.equal((await dave.register()).status, 200);
    const got = await waitForCount(dave, isMessage, 3);
    assert.deepEqual(got.map((r) => r.bodyText()), sent.map((m) => m.body), 'delivered in the order they were sent');
    for (const [i, r] of got.entries()) {
      assert.match(r.get('from') ?? '', /<sip:alice@example\.com>/);
      assert.match(r.get('p-asserted-identity') ?? '', /<sip:alice@example\.com>/);
      assert.equal(r.get('content-type'), sent[i]!.type);
      const date = Date.parse(r.get('date') ?? '');
      assert.ok(date >= Math.floor(t0 / 1000) * 1000 - 1000 && date <= Date.now(), `Date is the time it was accepted: ${r.get('date')}`);
      assert.match(r.get('message-id') ?? '', /^\S{8,}$/);
    }
    assert.equal(got[0]!.get('subject'), 'one');
    assert.match(got[1]!.bodyText(), /DateTime: 2024-05-06T07:08:09.000Z/, 'CPIM DateTime kept as sent');
    assert.equal(new Set(got.map((r) => r.get('message-id'))).size, 3);

    // Every device of the user receives each stored message once.
    const other = await ua('dave', 'TCP');
    assert.equal((await other.register({ contactParams: ';+g.oma.sip-im;+sip.instance="<urn:uuid:00000000-0000-4000-8000-0000000000d2>"' })).status, 200);
    const got2 = await waitForCount(other, isMessage, 3);
    assert.deepEqual(got2.map((r) => r.get('message-id')), got.map((r) => r.get('message-id')), 'the same ids at every device');
    assert.equal((await dave.register()).status, 200, 're-registration');
    await settle();
    assert.equal(dave.inbox.filter(isMessage).length, 3, 'a device that acknowledged a message never gets it again');
  });

  test('a message counts as delivered only on a 2xx from the device', async () => {
    const alice = await ua('alice');
    assert.equal((await alice.request('MESSAGE', 'sip:erin@example.com', { body: 'retry me' })).status, 202);
    const erin = await ua('erin');
    erin.handler = () => 500;
    assert.equal((await erin.register()).status, 200);
    await waitForCount(erin, isMessage, 1);
    erin.handler = () => 200;
    assert.equal((await erin.register()).status, 200);
    const both = await waitForCount(erin, isMessage, 2);
    assert.equal(both[0]!.get('message-id'), both[1]!.get('message-id'));
    assert.equal((await erin.register()).status, 200);
    await settle();
    assert.equal(erin.inbox.filter(isMessage).length, 2);
  });

  test('stored when the user has no IM-capable device, or when every device answers 480', async () => {
    const alice = await ua('alice');
    // A device that declared another OMA service (PoC) but not IM is not an IM device.
    const poc = await ua('frank');
    assert.equal((await poc.register({ contactParams: ';+g.oma.sip-poc' })).status, 200);
    assert.equal((await alice.request('MESSAGE', 'sip:frank@example.com', { body: 'no im device' })).status, 202);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(poc.inbox.filter((r) => r.method === 'MESSAGE').length, 0);
    const busy = await ua('gina');
    busy.handler = () => 480;
    assert.equal((await busy.register()).status, 200);
    assert.equal((await alice.request('MESSAGE', 'sip:gina@example.com', { body: 'away' })).status, 202);
    await busy.waitFor((r) => r.bodyText() === 'away');
  });

  test('isComposing is never stored: 480 for an offline recipient', async () => {
    const alice = await ua('alice');
    const xml = '<?xml version="1.0"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state></isComposing>';
    const res = await alice.request('MESSAGE', 'sip:hank@example.com', { body: xml, contentType: 'application/im-iscomposing+xml' });
    assert.equal(res.status, 480);
    const list = await httpAs(server.httpPort, cred('hank'), 'GET', '/im/deferred');
    assert.equal(list.status, 200);
    assert.deepEqual(JSON.parse(list.body).messages, []);
  });

  test('communication control (digest §6.11): "principal" is never stored; "msg-taker" is stored at once', async () => {
    const alice = await ua('alice');
    const principal = await alice.request('MESSAGE', 'sip:hank@example.com', {
      body: 'only you',
      headers: [['Accept-Contact', '*;actor="principal";require;explicit']],
    });
    assert.equal(principal.status, 480);
    const hank = await ua('hank');
    assert.equal((await hank.register()).status, 200);
    await settle();
    assert.equal(hank.inbox.filter(isMessage).length, 0, 'nothing was stored');
    const live = await alice.request('MESSAGE', 'sip:hank@example.com', {
      body: 'principal online',
      headers: [['Accept-Contact', '*;actor="principal";require;explicit']],
    });
    assert.equal(live.status, 200, 'a registered device is the principal');
    const queued = await alice.request('MESSAGE', 'sip:hank@example.com', {
      body: 'for the inbox',
      headers: [['Accept-Contact', '*;actor="msg-taker";require;explicit']],
    });
    assert.equal(queued.status, 202);
    const list = JSON.parse((await httpAs(server.httpPort, cred('hank'), 'GET', '/im/deferred')).body).messages as Array<{ id: string }>;
    assert.equal(list.length, 1);
  });

  test('push off in the IM service settings: messages wait; the user lists, fetches and deletes them over /im/deferred', async () => {
    const settings = `<?xml version="1.0" encoding="UTF-8"?>
<im-settings xmlns="urn:oma:xml:im:service-settings"><deferred-settings><offline-delivery>false</offline-delivery></deferred-settings></im-settings>`;
    const put = await putXcap(server.httpPort, cred('ivan'), 'example.com', 'org.openmobilealliance.im-settings', 'index', 'application/vnd.oma.im.service-settings+xml', settings);
    assert.ok(put.status === 201 || put.status === 200, `PUT settings: ${put.status} ${put.body}`);
    const alice = await ua('alice');
    assert.equal((await alice.request('MESSAGE', 'sip:ivan@example.com', { body: 'keep me', headers: [['Subject', 'kept']] })).status, 202);
    assert.equal((await alice.request('MESSAGE', 'sip:ivan@example.com', { body: 'me too' })).status, 202);
    const ivan = await ua('ivan');
    assert.equal((await ivan.register()).status, 200);
    await settle();
    assert.equal(ivan.inbox.filter(isMessage).length, 0, 'no push');

    assert.equal((await httpPlain(server.httpPort, 'GET', '/im/deferred')).status, 401);
    const list = JSON.parse((await httpAs(server.httpPort, cred('ivan'), 'GET', '/im/deferred')).body).messages as Array<Record<string, unknown>>;
    assert.equal(list.length, 2);
    assert.equal(list[0]!.sender, 'sip:alice@example.com');
    assert.equal(list[0]!.subject, 'kept');
    assert.equal(list[0]!.contentType, 'text/plain');
    const one = await httpAs(server.httpPort, cred('ivan'), 'GET', `/im/deferred/${list[0]!.id}`);
    assert.equal(JSON.parse(one.body).body, 'keep me');
    assert.equal((await httpAs(server.httpPort, cred('alice'), 'GET', `/im/deferred/${list[0]!.id}`)).status, 404, 'another user cannot read it');
    assert.equal((await httpAs(server.httpPort, cred('ivan'), 'DELETE', `/im/deferred/${list[0]!.id}`)).status, 204);
    const after = JSON.parse((await httpAs(server.httpPort, cred('ivan'), 'GET', '/im/deferred')).body).messages as unknown[];
    assert.equal(after.length, 1);
  });
});

describe('IM server deferred limits: per-user quota, maximum age', () => {
  test('past the quota the sender gets 480; expired messages are dropped and counted in /metrics', async () => {
    const server = await startServer({
      users: { alice: 'alice-pw', bob: 'bob-pw' },
      env: { SIMPLEIM_DEFERRED_QUOTA: '2', SIMPLEIM_DEFERRED_MAX_AGE_DAYS: String(3 / 86400) },
    });
    const alice = await TestUa.create({ user: 'alice', password: 'alice-pw', serverPort: server.sipPort });
    try {
      assert.equal((await alice.request('MESSAGE', 'sip:bob@example.com', { body: '1' })).status, 202);
      assert.equal((await alice.request('MESSAGE', 'sip:bob@example.com', { body: '2' })).status, 202);
      assert.equal((await alice.request('MESSAGE', 'sip:bob@example.com', { body: '3' })).status, 480);
    } finally {
      await alice.close();
    }
    await settle(3500);
    const list = JSON.parse((await httpAs(server.httpPort, { name: 'bob', password: 'bob-pw' }, 'GET', '/im/deferred')).body).messages as unknown[];
    assert.equal(list.length, 0, 'older than the maximum age: gone');
    assert.equal(await server.stop(), 0);
    // The purge runs at start: the restarted server drops both and counts them.
    const again = await startServer({ data: server.data, sipPort: server.sipPort, httpPort: server.httpPort });
    try {
      await settle(300);
      const metrics = await httpPlain(again.httpPort, 'GET', '/metrics');
      assert.match(metrics.body, /simpleim_im_deferred_expired_total 2/);
    } finally {
      assert.equal(await again.stop(), 0);
    }
  });
});
