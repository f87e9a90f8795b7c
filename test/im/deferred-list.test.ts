import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { uaPool } from '../support/test-ua.js';
import { httpAs, type HttpReply } from './support/http-client.js';
import { isMessage, settle, waitForCount } from './support/inbox.js';
import { ManualClock } from '../../src/formats/clock.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteXcapDocuments } from '../../src/store/sqlite/xcap-documents.js';
import { DeferredListMirror, type DeferredListEntry } from '../../src/im/deferred-list-mirror.js';

const DOC = '/xcap/org.openmobilealliance.deferred-list/users/sip%3Abob%40example.com/deferred-list';
const bob = { name: 'bob', password: 'bob-pw' };

/** The <history> entries of a deferred-list document: id and the text of each child element. */
function entries(xml: string): Array<Record<string, string>> {
  return [...xml.matchAll(/<history id="([^"]+)">(.*?)<\/history>/gs)].map(([, id, inner]) => {
    const e: Record<string, string> = { id: id! };
    for (const [, name, text] of inner!.matchAll(/<([\w-]+)(?:\/>|>([^<]*)<\/\1>)/g)) e[name!] = text ?? '';
    return e;
  });
}

describe('the XDMS deferred-list document (OMA IM digest §3.4): the user lists stored messages over XCAP', () => {
  let server: TestServer;
  const { ua, closeAll } = uaPool(() => server.sipPort);
  /** GETs bob's list until `pred` holds (the IM server writes it just after the store commits). */
  const listWhen = async (pred: (r: HttpReply) => boolean, what: string): Promise<HttpReply> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const r = await httpAs(server.httpPort, bob, 'GET', DOC);
      if (pred(r)) return r;
      if (Date.now() > deadline) throw new Error(`${what}: last answer ${r.status} ${r.body}`);
      await settle(50);
    }
  };

  before(async () => {
    server = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' } });
  });
  after(async () => {
    await closeAll();
    assert.equal(await server.stop(), 0);
  });

  test('an entry per stored message; gone when deleted through /im/deferred, or once every registered device answered 2xx', async () => {
    const alice = await ua('alice');
    const sent = [
      { body: 'first', headers: [['Subject', 'lunch & more']] as Array<[string, string]> },
      { body: 'second message', headers: [] },
      { body: 'third', headers: [] },
    ];
    for (const m of sent) assert.equal((await alice.request('MESSAGE', 'sip:bob@example.com', { body: m.body, headers: m.headers })).status, 202);

    const full = await listWhen((r) => r.status === 200 && entries(r.body).length === 3, 'three entries');
    assert.match(String(full.headers['content-type']), /^application\/vnd\.oma\.im\.deferred-list\+xml/);
    assert.match(full.body, /<history-list xmlns="urn:oma:xml:im:history-list">/);
    const api = JSON.parse((await httpAs(server.httpPort, bob, 'GET', '/im/deferred')).body).messages as Array<{ id: string; size: number; receivedAt: string }>;
    const list = entries(full.body);
    assert.deepEqual(list.map((e) => e.id), api.map((m) => m.id), 'the same ids as the store, oldest first');
    assert.equal(list[0]!.from, 'sip:alice@example.com');
    assert.equal(list[0]!.to, 'sip:bob@example.com');
    assert.equal(list[0]!.subject, 'lunch &amp; more');
    assert.equal(list[1]!.size, String('second message'.length));
    assert.equal(list[0]!.date, api[0]!.receivedAt);
    assert.ok('pager' in list[0]! && 'expiry' in list[0]!);
    assert.equal(entries(full.body).filter((e) => 'subject' in e).length, 1);

    // Only the owner reads it, and only the IM server writes it.
    const carol = { name: 'carol', password: 'carol-pw' };
    assert.notEqual((await httpAs(server.httpPort, carol, 'GET', DOC)).status, 200, "another user cannot read bob's list");
    const put = await httpAs(server.httpPort, bob, 'PUT', DOC, { body: full.body, type: 'application/vnd.oma.im.deferred-list+xml' });
    assert.ok(put.status >= 400, `the owner may not write it: ${put.status}`);

    // Deleted through the retrieval API: gone from the list.
    assert.equal((await httpAs(server.httpPort, bob, 'DELETE', `/im/deferred/${api[1]!.id}`)).status, 204);
    await listWhen((r) => entries(r.body).map((e) => e.id).join() === [api[0]!.id, api[2]!.id].join(), 'deleted entry gone');

    // Two devices: the entries stay until both have acknowledged them.
    const phone = await ua('bob', 'TCP');
    const laptop = await ua('bob', 'TCP');
    laptop.handler = () => 480;
    assert.equal((await laptop.register()).status, 200);
    await waitForCount(laptop, isMessage, 1);
    assert.equal((await phone.register()).status, 200);
    await waitForCount(phone, isMessage, 2);
    await settle(400);
    assert.equal(entries((await httpAs(server.httpPort, bob, 'GET', DOC)).body).length, 2, 'the laptop has not taken them');
    laptop.handler = () => 200;
    assert.equal((await laptop.register()).status, 200);
    const empty = await listWhen((r) => r.status === 200 && entries(r.body).length === 0, 'empty list');
    assert.match(empty.body, /<history-list xmlns="urn:oma:xml:im:history-list"><\/history-list>/);
  });
});

describe('deferred-list mirror', () => {
  const T = 1_700_000_000_000;
  const entry = (id: string, expiresAt = T + 60_000): DeferredListEntry => ({
    id, from: 'sip:alice@example.com', displayName: 'Alice <A>', to: 'sip:bob@example.com', subject: undefined, size: 3, receivedAt: T, expiresAt,
  });
  const key = { auid: 'org.openmobilealliance.deferred-list', xui: 'sip:bob@example.com', path: 'deferred-list' };

  test('changes within the delay make one write; expired entries go at the next write; an entry added and removed in one batch never shows', async () => {
    const documents = new SqliteXcapDocuments(openSqlite(':memory:'));
    const clock = new ManualClock(T);
    let writes = 0;
    documents.onChange(() => writes++);
    const mirror = new DeferredListMirror({ documents, clock });
    mirror.added('sip:bob@example.com', entry('a'));
    mirror.added('sip:bob@example.com', entry('b', T + 1000));
    mirror.added('sip:bob@example.com', entry('c'));
    mirror.removed('sip:bob@example.com', ['c']);
    await mirror.flush();
    assert.equal(writes, 1);
    const doc = (await documents.get(key))!.body;
    assert.deepEqual(entries(doc).map((e) => e.id), ['a', 'b']);
    assert.equal(entries(doc)[0]!['display-name'], 'Alice &lt;A&gt;');
    clock.advance(2000);
    mirror.added('sip:bob@example.com', entry('d'));
    await mirror.flush();
    assert.deepEqual(entries((await documents.get(key))!.body).map((e) => e.id), ['a', 'd'], 'b expired');
    mirror.removed('sip:carol@example.com', ['x']);
    await mirror.flush();
    assert.equal(await documents.get({ ...key, xui: 'sip:carol@example.com' }), null, 'no document is created for removals alone');
  });
});
