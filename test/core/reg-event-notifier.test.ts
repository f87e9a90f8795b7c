import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/formats/clock.js';
import { parseReginfo, type Reginfo, type ReginfoContact } from '../../src/formats/reginfo.js';
import { RegEventNotifier } from '../../src/core/reg-event/reg-event-notifier.js';
import { Registrar } from '../../src/core/registrar.js';
import type { SipRequest } from '../../src/sip/message.js';
import { newTag } from '../../src/sip/ids.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteBindings } from '../../src/store/sqlite/bindings.js';
import { LoopNetwork } from '../support/loop-transport.js';
import { register } from '../support/sip-text.js';
import { subscriptionHarness } from '../support/subscription-harness.js';

const ALICE = 'sip:alice@example.com';
const PHONE = '<sip:alice@10.0.0.1:5060>;+g.oma.sip-im';
const LAPTOP = '<sip:alice@10.0.0.2:5060>;+g.oma.sip-im';

/**
 * The notifier and a real registrar on a loop network: "core.test" plays the
 * server (the core hands the notifier LocalRequests, with `originator` as the
 * authenticated AoR), "alice.test" the subscribing device.
 */
async function setup(o: { originator?: string | null } = {}) {
  const clock = new ManualClock();
  const net = new LoopNetwork({ clock });
  const bindings = new SqliteBindings(openSqlite(':memory:'));
  let notifier!: RegEventNotifier;
  const registrar = new Registrar({
    bindings,
    minExpires: 60,
    maxExpires: 7200,
    defaultExpires: 3600,
    toTag: () => newTag(),
    onChange: (aor, all, added) => notifier.registrationChanged(aor, all, added),
  });
  const h = subscriptionHarness({ clock, net, serverHost: 'core.test', event: 'reg', hooks: () => notifier.hooks, originator: o.originator });
  notifier = new RegEventNotifier({ layer: h.serverLayer, bindings, clock, domain: 'example.com' });
  let regCseq = 0;
  const subscribe = (expires: number | null, headers: ReadonlyArray<readonly [string, string]> = []) => h.subscribe(expires, { headers });
  const settle = h.settle;
  /** A REGISTER of one of alice's devices (each device its own Call-ID), then delivery of what follows. */
  async function reg(device: string, contact: string, expires: number): Promise<void> {
    const res = await registrar.register(register({ contacts: [contact], expires, callId: `${device}-call`, cseq: ++regCseq }), {
      authenticatedAor: ALICE,
      flow: null,
      now: clock.now(),
    });
    assert.equal(res.status, 200);
    await settle();
  }
  return {
    rejected: h.rejected,
    clock,
    notifier,
    notifies: h.notifies,
    subscribe,
    reg,
    settle,
    setNotifyStatus: h.setNotifyStatus,
  };
}

function body(n: SipRequest): Reginfo {
  assert.equal(n.get('content-type'), 'application/reginfo+xml');
  return parseReginfo(n.bodyText());
}

function contacts(n: SipRequest): ReginfoContact[] {
  return body(n).registrations[0]!.contacts as ReginfoContact[];
}

describe('registration event package notifier (RFC 3680)', () => {
  test('a SUBSCRIBE gets 200 and an initial full-state NOTIFY listing every contact bound to the AoR', async () => {
    const t = await setup();
    await t.reg('phone', PHONE, 600);
    const res = await t.subscribe(1200);
    assert.equal(t.rejected.length, 0, 'every message sent was valid SIP');
    assert.equal(res.status, 200);
    assert.equal(res.get('expires'), '1200');
    assert.equal(t.notifies.length, 1);
    const n = t.notifies[0]!;
    assert.equal(n.get('event'), 'reg');
    assert.equal(n.get('subscription-state'), 'active;expires=1200');
    const doc = body(n);
    assert.equal(doc.version, 0);
    assert.equal(doc.state, 'full');
    assert.equal(doc.registrations.length, 1);
    const r = doc.registrations[0]!;
    assert.equal(r.aor, ALICE);
    assert.equal(r.state, 'active');
    assert.equal(r.contacts.length, 1);
    const c = r.contacts[0]!;
    assert.equal(c.uri, 'sip:alice@10.0.0.1:5060');
    assert.equal(c.state, 'active');
    assert.equal(c.event, 'registered');
    assert.equal(c.expires, 600);
    assert.deepEqual(c.unknownParams, [{ name: '+g.oma.sip-im', value: '' }]);
    t.notifier.close();
  });

  test('with nothing registered the registration is in state init (RFC 3680 §4.7.1)', async () => {
    const t = await setup();
    await t.subscribe(600);
    const doc = body(t.notifies[0]!);
    assert.deepEqual(doc.registrations.map((r) => [r.state, r.contacts.length]), [['init', 0]]);
    t.notifier.close();
  });

  test('registrar changes are notified as partial state: registered, refreshed, unregistered, with increasing versions', async () => {
    const t = await setup();
    await t.reg('phone', PHONE, 600);
    await t.subscribe(1200);
    const phoneId = contacts(t.notifies[0]!)[0]!.id;

    await t.reg('laptop', LAPTOP, 600);
    assert.equal(t.notifies.length, 2);
    let doc = body(t.notifies[1]!);
    assert.equal(doc.version, 1);
    assert.equal(doc.state, 'partial');
    assert.equal(doc.registrations[0]!.state, 'active');
    assert.deepEqual(doc.registrations[0]!.contacts.map((c) => [c.uri, c.state, c.event]), [['sip:alice@10.0.0.2:5060', 'active', 'registered']]);
    const laptopId = doc.registrations[0]!.contacts[0]!.id;
    assert.notEqual(laptopId, phoneId);

    t.clock.advance(100_000);
    await t.reg('phone', PHONE, 900);
    doc = body(t.notifies[2]!);
    assert.equal(doc.version, 2);
    assert.deepEqual(doc.registrations[0]!.contacts.map((c) => [c.id, c.event, c.expires]), [[phoneId, 'refreshed', 900]]);

    await t.reg('laptop', LAPTOP, 0);
    doc = body(t.notifies[3]!);
    assert.equal(doc.version, 3);
    assert.equal(doc.registrations[0]!.state, 'active', 'the phone is still bound');
    assert.deepEqual(doc.registrations[0]!.contacts.map((c) => [c.id, c.state, c.event]), [[laptopId, 'terminated', 'unregistered']]);

    await t.reg('phone', PHONE, 0);
    doc = body(t.notifies[4]!);
    // RFC 3680 §4.7.1: "When the last contact expires or is removed, the registration transitions to terminated."
    assert.equal(doc.registrations[0]!.state, 'terminated');
    assert.deepEqual(doc.registrations[0]!.contacts.map((c) => [c.id, c.state, c.event]), [[phoneId, 'terminated', 'unregistered']]);
    assert.equal(t.rejected.length, 0);
    t.notifier.close();
  });

  test('a binding that is not refreshed expires on the clock and is notified as "expired"', async () => {
    const t = await setup();
    await t.reg('phone', PHONE, 120);
    await t.reg('laptop', LAPTOP, 600);
    await t.subscribe(3600);
    t.clock.advance(119_000);
    await t.settle();
    assert.equal(t.notifies.length, 1, 'nothing yet');
    t.clock.advance(1_000);
    await t.settle();
    assert.equal(t.notifies.length, 2);
    const doc = body(t.notifies[1]!);
    assert.equal(doc.registrations[0]!.state, 'active');
    assert.deepEqual(doc.registrations[0]!.contacts.map((c) => [c.uri, c.state, c.event]), [['sip:alice@10.0.0.1:5060', 'terminated', 'expired']]);
    t.clock.advance(480_000);
    await t.settle();
    const last = body(t.notifies[2]!);
    assert.equal(last.registrations[0]!.state, 'terminated');
    assert.deepEqual(last.registrations[0]!.contacts.map((c) => c.event), ['expired']);
    t.notifier.close();
  });

  test('a device (+sip.instance) registering a new Contact: the old one is deactivated, the new one registered with a new id', async () => {
    const t = await setup();
    const instance = ';+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
    await t.reg('phone', `<sip:alice@10.0.0.1:5060>${instance}`, 600);
    await t.subscribe(1200);
    const first = contacts(t.notifies[0]!)[0]!;
    assert.deepEqual(first.unknownParams, [{ name: '+sip.instance', value: '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"' }]);
    await t.reg('phone', `<sip:alice@10.0.0.9:5060>${instance}`, 600);
    const changed = contacts(t.notifies[1]!);
    assert.deepEqual(changed.map((c) => [c.uri, c.state, c.event]), [
      ['sip:alice@10.0.0.1:5060', 'terminated', 'deactivated'],
      ['sip:alice@10.0.0.9:5060', 'active', 'registered'],
    ]);
    assert.equal(changed[0]!.id, first.id);
    assert.notEqual(changed[1]!.id, first.id);
    t.notifier.close();
  });

  test('only the user may subscribe to their own registrations: anyone else gets 403 (RFC 3680 §4.6)', async () => {
    for (const originator of ['sip:bob@example.com', null]) {
      const t = await setup({ originator });
      const res = await t.subscribe(600);
      assert.equal(res.status, 403);
      assert.equal(t.notifier.size, 0);
      assert.equal(t.notifies.length, 0);
    }
  });

  test('an Accept without application/reginfo+xml gets 406 (RFC 3680 §4.5)', async () => {
    const t = await setup();
    const res = await t.subscribe(600, [['Accept', 'application/pidf+xml']]);
    assert.equal(res.status, 406);
    assert.equal(res.get('accept'), 'application/reginfo+xml');
    assert.equal(t.notifier.size, 0);
    assert.equal((await t.subscribe(600, [['Accept', 'application/reginfo+xml']])).status, 200);
    t.notifier.close();
  });

  test('no Expires gets the package default of 3761 s (RFC 3680 §4.4); below the minimum gets 423', async () => {
    const t = await setup();
    assert.equal((await t.subscribe(30)).status, 423);
    assert.equal(t.notifier.size, 0);
    const res = await t.subscribe(null);
    assert.equal(res.get('expires'), '3761');
    t.notifier.close();
  });

  test('a refresh extends the subscription and is followed by a full-state NOTIFY with the next version and the same ids', async () => {
    const t = await setup();
    await t.reg('phone', PHONE, 3600);
    await t.subscribe(120);
    const id = contacts(t.notifies[0]!)[0]!.id;
    t.clock.advance(100_000);
    const res = await t.subscribe(300);
    assert.equal(res.status, 200);
    assert.equal(t.notifies.length, 2);
    assert.equal(t.notifies[1]!.get('subscription-state'), 'active;expires=300');
    const doc = body(t.notifies[1]!);
    assert.equal(doc.version, 1);
    assert.equal(doc.state, 'full');
    assert.deepEqual(doc.registrations[0]!.contacts.map((c) => c.id), [id]);
    t.clock.advance(60_000);
    await t.settle();
    assert.equal(t.notifier.size, 1, 'past the first expiry, still active');
    t.notifier.close();
  });

  test('the subscription expires on the clock with a final NOTIFY "terminated;reason=timeout"', async () => {
    const t = await setup();
    await t.subscribe(120);
    t.clock.advance(120_000);
    await t.settle();
    assert.equal(t.notifier.size, 0);
    assert.equal(t.notifies[t.notifies.length - 1]!.get('subscription-state'), 'terminated;reason=timeout');
  });

  test('Expires: 0 in the dialog unsubscribes: 200, a final NOTIFY "terminated" with full state, then nothing more and 481', async () => {
    const t = await setup();
    await t.reg('phone', PHONE, 600);
    await t.subscribe(600);
    const res = await t.subscribe(0);
    assert.equal(res.status, 200);
    assert.equal(t.notifier.size, 0);
    const last = t.notifies[t.notifies.length - 1]!;
    assert.equal(last.get('subscription-state'), 'terminated');
    assert.equal(body(last).state, 'full');
    assert.equal(contacts(last).length, 1);
    await t.reg('laptop', LAPTOP, 600);
    assert.equal(t.notifies.length, 2, 'no NOTIFY after the subscription ended');
    assert.equal((await t.subscribe(600)).status, 481);
  });

  test('Expires: 0 outside a dialog fetches the state once (RFC 6665 §4.4.3)', async () => {
    const t = await setup();
    await t.reg('phone', PHONE, 600);
    const res = await t.subscribe(0);
    assert.equal(res.status, 200);
    assert.equal(t.notifies.length, 1);
    assert.equal(t.notifies[0]!.get('subscription-state'), 'terminated');
    assert.equal(contacts(t.notifies[0]!).length, 1);
    assert.equal(t.notifier.size, 0);
  });

  test('a 481 to a NOTIFY ends the subscription, and its expiry timers with it', async () => {
    const t = await setup();
    await t.reg('phone', PHONE, 600);
    await t.subscribe(1200);
    t.setNotifyStatus(481);
    await t.reg('laptop', LAPTOP, 600);
    assert.equal(t.notifier.size, 0);
    const before = t.notifies.length;
    t.clock.advance(60_000);
    await t.settle();
    assert.equal(t.clock.pending, 0, 'no timer left behind (the bindings expire in 600 s)');
    t.clock.advance(600_000);
    await t.settle();
    assert.equal(t.notifies.length, before, 'no NOTIFY of the expiry on an ended subscription');
  });
});
