import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReginfo, type Reginfo } from '../../src/formats/reginfo.js';
import { SipRequest } from '../../src/sip/message.js';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';

const ALICE = 'sip:alice@example.com';

function reginfo(n: SipRequest): Reginfo {
  assert.equal(n.get('content-type'), 'application/reginfo+xml');
  return parseReginfo(n.bodyText());
}

describe('registration event package against the real server (RFC 3680)', () => {
  let server: TestServer;
  let phone: TestUa;
  let laptop: TestUa;
  let bob: TestUa;
  before(async () => {
    server = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw' } });
    phone = await TestUa.create({ user: 'alice', password: 'alice-pw', serverPort: server.sipPort });
    laptop = await TestUa.create({ user: 'alice', password: 'alice-pw', serverPort: server.sipPort });
    bob = await TestUa.create({ user: 'bob', password: 'bob-pw', serverPort: server.sipPort });
    // Every NOTIFY is accepted.
    phone.handler = () => 200;
  });
  after(async () => {
    await Promise.all([phone.close(), laptop.close(), bob.close()]);
    await server.stop();
  });

  test('alice watches her own registrations: initial NOTIFY, then her second device registering and unregistering', async () => {
    assert.equal((await phone.register({ expires: 600 })).status, 200);
    const res = await phone.request('SUBSCRIBE', ALICE, {
      headers: [['Event', 'reg'], ['Expires', '600'], ['Accept', 'application/reginfo+xml']],
    });
    assert.equal(res.status, 200);
    const isNotify = (r: SipRequest) => r.method === 'NOTIFY' && r.get('event') === 'reg';
    const first = await phone.waitFor(isNotify);
    assert.equal(first.get('subscription-state'), 'active;expires=600');
    const initial = reginfo(first);
    assert.equal(initial.state, 'full');
    assert.equal(initial.registrations[0]!.aor, ALICE);
    assert.equal(initial.registrations[0]!.state, 'active');
    assert.deepEqual(initial.registrations[0]!.contacts.map((c) => [c.uri, c.state, c.event]), [[phone.contactUri(), 'active', 'registered']]);

    assert.equal((await laptop.register({ expires: 600 })).status, 200);
    const second = await phone.waitFor((r) => isNotify(r) && r !== first);
    const added = reginfo(second);
    assert.equal(added.version, initial.version + 1);
    assert.equal(added.state, 'partial');
    assert.deepEqual(added.registrations[0]!.contacts.map((c) => [c.uri, c.state, c.event]), [[laptop.contactUri(), 'active', 'registered']]);
    assert.equal(added.registrations[0]!.contacts[0]!.expires, 600);

    assert.equal((await laptop.register({ expires: 0 })).status, 200);
    const third = await phone.waitFor((r) => isNotify(r) && r !== first && r !== second);
    const removed = reginfo(third);
    assert.equal(removed.version, added.version + 1);
    assert.equal(removed.registrations[0]!.state, 'active', 'the phone is still registered');
    assert.deepEqual(removed.registrations[0]!.contacts.map((c) => [c.uri, c.state, c.event]), [[laptop.contactUri(), 'terminated', 'unregistered']]);

    // Unsubscribe inside the dialog (to the Contact the 200 gave): 200 and a final NOTIFY.
    const unsubscribe = new SipRequest('SUBSCRIBE', /<([^>]+)>/.exec(res.get('contact')!)![1]!);
    unsubscribe.append('Max-Forwards', '70');
    unsubscribe.append('From', res.get('from')!);
    unsubscribe.append('To', res.get('to')!);
    unsubscribe.append('Call-ID', res.callId());
    unsubscribe.append('CSeq', `${res.cseq().seq + 1} SUBSCRIBE`);
    unsubscribe.append('Contact', `<${phone.contactUri()}>`);
    unsubscribe.append('Event', 'reg');
    unsubscribe.append('Expires', '0');
    assert.equal((await phone.send(unsubscribe)).status, 200);
    const last = await phone.waitFor((r) => isNotify(r) && r.get('subscription-state') === 'terminated');
    assert.equal(reginfo(last).state, 'full');
  });

  test('bob subscribing to alice\'s registrations gets 403', async () => {
    const res = await bob.request('SUBSCRIBE', ALICE, { headers: [['Event', 'reg'], ['Expires', '600']] });
    assert.equal(res.status, 403);
    assert.match(res.reason, /own registrations/, 'refused by the reg notifier, not forwarded to alice\'s devices');
  });
});
