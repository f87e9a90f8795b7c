import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/formats/clock.js';
import { parseXmlDocument } from '../../src/formats/xml-parse.js';
import { attrValue, elementChildren } from '../../src/formats/xml-tree.js';
import type { SipRequest } from '../../src/sip/message.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteXcapDocuments } from '../../src/store/sqlite/xcap-documents.js';
import { XcapDiffNotifier } from '../../src/xdms/xcap-diff-notifier.js';
import { LoopNetwork } from '../support/loop-transport.js';
import { subscriptionHarness } from '../support/subscription-harness.js';

const ALICE = 'sip:alice@example.com';
const LISTS = '<?xml version="1.0"?><resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list name="l"/></resource-lists>';

/** The notifier on a loop network: "xdms.test" plays the server (the core hands it LocalRequests), "alice.test" the client. */
async function setup() {
  const clock = new ManualClock();
  const net = new LoopNetwork({ clock });
  const store = new SqliteXcapDocuments(openSqlite(':memory:'));
  let notifier!: XcapDiffNotifier;
  const h = subscriptionHarness({ clock, net, serverHost: 'xdms.test', event: 'xcap-diff', hooks: () => notifier.hooks });
  notifier = new XcapDiffNotifier({ layer: h.serverLayer, store, clock, domain: 'example.com', xcapRoot: 'http://xcap.example.com/xcap' });
  /** A SUBSCRIBE, with a resource list of what to watch as its body when given. */
  const subscribe = (expires: number | null, body = '') =>
    h.subscribe(expires, body === '' ? {} : { body: { type: 'application/resource-lists+xml', text: body } });
  return {
    rejected: h.rejected,
    clock,
    store,
    notifier,
    notifies: h.notifies,
    subscribe,
    settle: h.settle,
    setNotifyStatus: h.setNotifyStatus,
  };
}

function docs(n: SipRequest): Array<{ sel: string; newEtag?: string; previousEtag?: string }> {
  const tree = parseXmlDocument(n.bodyText());
  return elementChildren(tree.root).map((d) => ({
    sel: attrValue(d, 'sel')!,
    ...(attrValue(d, 'new-etag') === undefined ? {} : { newEtag: attrValue(d, 'new-etag') }),
    ...(attrValue(d, 'previous-etag') === undefined ? {} : { previousEtag: attrValue(d, 'previous-etag') }),
  }));
}

describe('xcap-diff notifier (RFC 5875 / RFC 6665)', () => {
  test('a SUBSCRIBE gets 200 and an initial NOTIFY with the ETags of the watched documents', async () => {
    const t = await setup();
    await t.store.put({ auid: 'resource-lists', xui: ALICE, path: 'index', body: LISTS, etag: '"e1"' }, null);
    await t.store.put({ auid: 'org.openmobilealliance.im-rules', xui: ALICE, path: 'index', body: '<x/>', etag: '"r1"' }, null);
    const res = await t.subscribe(600);
    assert.equal(t.rejected.length, 0, 'every message sent was valid SIP');
    assert.equal(res.status, 200);
    assert.equal(res.get('expires'), '600');
    assert.equal(t.notifies.length, 1);
    const n = t.notifies[0]!;
    assert.equal(n.get('event'), 'xcap-diff');
    assert.equal(n.get('subscription-state'), 'active;expires=600');
    assert.equal(n.get('content-type'), 'application/xcap-diff+xml');
    // An empty body watches all of the user's documents.
    assert.deepEqual(docs(n).sort((a, b) => a.sel.localeCompare(b.sel)), [
      { sel: `org.openmobilealliance.im-rules/users/${ALICE}/index`, newEtag: 'r1' },
      { sel: `resource-lists/users/${ALICE}/index`, newEtag: 'e1' },
    ]);
    t.notifier.close();
  });

  test('a change of a watched document is notified with previous and new ETags; others are not', async () => {
    const t = await setup();
    await t.store.put({ auid: 'resource-lists', xui: ALICE, path: 'index', body: LISTS, etag: '"e1"' }, null);
    const watch = `<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list><entry uri="resource-lists/users/${ALICE}/index"/></list></resource-lists>`;
    assert.equal((await t.subscribe(600, watch)).status, 200);
    await t.store.put({ auid: 'org.openmobilealliance.im-rules', xui: ALICE, path: 'index', body: '<x/>', etag: '"r1"' }, null);
    await t.store.put({ auid: 'resource-lists', xui: 'sip:bob@example.com', path: 'index', body: LISTS, etag: '"b1"' }, null);
    await t.store.put({ auid: 'resource-lists', xui: ALICE, path: 'index', body: LISTS, etag: '"e2"' }, '"e1"');
    await t.settle();
    assert.equal(t.notifies.length, 2);
    assert.deepEqual(docs(t.notifies[1]!), [{ sel: `resource-lists/users/${ALICE}/index`, newEtag: 'e2', previousEtag: 'e1' }]);
    await t.store.delete({ auid: 'resource-lists', xui: ALICE, path: 'index' }, '"e2"');
    await t.settle();
    assert.deepEqual(docs(t.notifies[2]!), [{ sel: `resource-lists/users/${ALICE}/index`, previousEtag: 'e2' }]);
    t.notifier.close();
  });

  test('Expires below the minimum gets 423 with Min-Expires; no subscription is made', async () => {
    const t = await setup();
    const res = await t.subscribe(30);
    assert.equal(res.status, 423);
    assert.equal(res.get('min-expires'), '60');
    assert.equal(t.notifier.size, 0);
    assert.equal(t.notifies.length, 0);
  });

  test('no Expires gets the default of 3600 s', async () => {
    const t = await setup();
    const res = await t.subscribe(null);
    assert.equal(res.get('expires'), '3600');
    t.notifier.close();
  });

  test('a refresh in the dialog extends the subscription and is followed by a full-state NOTIFY', async () => {
    const t = await setup();
    await t.subscribe(120);
    t.clock.advance(100_000);
    const res = await t.subscribe(300);
    assert.equal(res.status, 200);
    assert.equal(res.get('expires'), '300');
    assert.equal(t.notifies.length, 2);
    assert.equal(t.notifies[1]!.get('subscription-state'), 'active;expires=300');
    // The old expiry (120 s after the start) has passed: still active.
    t.clock.advance(60_000);
    await t.settle();
    assert.equal(t.notifier.size, 1);
    // A refresh below the minimum is refused and changes nothing.
    assert.equal((await t.subscribe(10)).status, 423);
    assert.equal(t.notifier.size, 1);
    t.notifier.close();
  });

  test('the subscription expires on the clock with a final NOTIFY "terminated;reason=timeout"', async () => {
    const t = await setup();
    await t.subscribe(120);
    t.clock.advance(119_000);
    await t.settle();
    assert.equal(t.notifier.size, 1);
    t.clock.advance(1_000);
    await t.settle();
    assert.equal(t.notifier.size, 0);
    const last = t.notifies[t.notifies.length - 1]!;
    assert.equal(last.get('subscription-state'), 'terminated;reason=timeout');
  });

  test('Expires: 0 in the dialog unsubscribes: 200, a final NOTIFY "terminated", then 481 for the dialog', async () => {
    const t = await setup();
    await t.subscribe(600);
    const res = await t.subscribe(0);
    assert.equal(res.status, 200);
    assert.equal(t.notifier.size, 0);
    assert.equal(t.notifies[t.notifies.length - 1]!.get('subscription-state'), 'terminated');
    await t.store.put({ auid: 'resource-lists', xui: ALICE, path: 'index', body: LISTS, etag: '"e9"' }, null);
    await t.settle();
    assert.equal(t.notifies.length, 2, 'no NOTIFY after the subscription ended');
    assert.equal((await t.subscribe(600)).status, 481);
  });

  test('a 481 to a NOTIFY ends the subscription', async () => {
    const t = await setup();
    await t.subscribe(600);
    t.setNotifyStatus(481);
    await t.store.put({ auid: 'resource-lists', xui: ALICE, path: 'index', body: LISTS, etag: '"e1"' }, null);
    await t.settle();
    assert.equal(t.notifier.size, 0);
  });

  test('watching another user\'s documents is refused with 403', async () => {
    const t = await setup();
    const watch = '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list><entry uri="resource-lists/users/sip:bob@example.com/index"/></list></resource-lists>';
    assert.equal((await t.subscribe(600, watch)).status, 403);
    assert.equal(t.notifier.size, 0);
  });
});
