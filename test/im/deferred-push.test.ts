import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/formats/clock.js';
import { SipResponse, type SipRequest } from '../../src/sip/message.js';
import type { ClientTransactionUser } from '../../src/sip/transaction/transaction-user.js';
import type { Endpoint, Flow } from '../../src/sip/transport/types.js';
import type { Binding } from '../../src/store/bindings.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteDeferredMessages } from '../../src/store/sqlite/deferred-messages.js';
import { DeferredDelivery, deviceKey, type RequestSender } from '../../src/im/deferred-delivery.js';

const OWNER = 'sip:bob@example.com';
const NOW = 1_700_000_000_000;

const binding = (instance: string | null, contact = 'sip:bob@192.0.2.7:5070;transport=tcp'): Binding => ({
  aor: OWNER, key: instance ?? contact, contact, params: ';+g.oma.sip-im', instance, regId: null, q: null,
  callId: 'reg', cseq: 1, expiresAt: NOW + 3_600_000, path: [], flow: null, updatedAt: NOW,
});

const TCP: Endpoint = { protocol: 'TCP', address: '192.0.2.7', port: 5070 };

/** A device at the end of a stream: answers each request on a later turn, with `answer` choosing the status (or 'timeout'). */
class FakeDevice implements RequestSender {
  readonly received: SipRequest[] = [];
  outstanding = 0;
  maxOutstanding = 0;
  answer: (req: SipRequest) => number | 'timeout' | 'transport-error' = () => 200;

  sendRequest(req: SipRequest, _to: Flow | Endpoint, user: ClientTransactionUser): void {
    this.received.push(req);
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    setImmediate(() => {
      this.outstanding--;
      const a = this.answer(req);
      if (a === 'timeout') user.onRequestTimeout?.();
      else if (a === 'transport-error') user.onTransportError?.(new Error('connection reset'));
      else user.receiveResponse(new SipResponse(a, 'x'));
    });
  }

  ids(): string[] {
    return this.received.map((r) => r.get('message-id')!);
  }
}

async function setup(n: number, dest: Endpoint = TCP) {
  const store = new SqliteDeferredMessages(openSqlite(':memory:'));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `m${String(i).padStart(5, '0')}`;
    ids.push(id);
    await store.store(
      {
        owner: OWNER, sender: 'sip:alice@example.com', from: '"Alice" <sip:alice@example.com>',
        headers: [['Content-Type', 'text/plain']], body: Buffer.from(`text ${i}`), receivedAt: NOW, expiresAt: NOW + 86_400_000,
      },
      id, n + 1, NOW,
    );
  }
  const device = new FakeDevice();
  const clock = new ManualClock(NOW);
  const delivery = new DeferredDelivery({
    store, sender: device, destinationOf: async () => dest, settings: { pushEnabled: async () => true }, clock, window: 16,
  });
  return { store, ids, device, delivery };
}

describe('push of deferred messages to one device (OMA IM digest §3.4)', () => {
  test('over a stream, 1,200 stored messages reach the device once each, in storage order, at most `window` unanswered at a time', async () => {
    const { store, ids, device, delivery } = await setup(1200);
    const b = binding('<urn:uuid:00000000-0000-4000-8000-000000000001>');
    assert.deepEqual(await delivery.drain(OWNER, b), { delivered: 1200, failed: 0 });
    assert.deepEqual(device.ids(), ids);
    assert.ok(device.maxOutstanding <= 16 && device.maxOutstanding > 1, `in flight at once: ${device.maxOutstanding}`);
    const first = device.received[0]!;
    assert.equal(first.get('via'), undefined, 'the transaction layer adds the Via');
    assert.equal(first.get('from')?.startsWith('"Alice" <sip:alice@example.com>;tag='), true);
    assert.match(first.get('p-asserted-identity') ?? '', /^"?Alice"? <sip:alice@example\.com>$/);
    assert.equal(first.get('content-type'), 'text/plain');
    assert.equal(Buffer.from(first.body).toString(), 'text 0');
    assert.equal(new Set(device.received.map((r) => r.callId())).size, 1200, 'a Call-ID per request');
    assert.equal(new Set(device.received.map((r) => r.from().params.get('tag'))).size, 1200, 'a From tag per request');
    assert.deepEqual(await store.pendingFor(OWNER, deviceKey(b), NOW), [], 'every 2xx recorded');
    assert.deepEqual(await delivery.drain(OWNER, b), { delivered: 0, failed: 0 }, 'nothing twice');
    assert.equal(device.received.length, 1200);
    // Another device of the same user still gets all of them.
    assert.deepEqual(await delivery.drain(OWNER, binding(null, 'sip:bob@192.0.2.8:5070;transport=tcp')), { delivered: 1200, failed: 0 });
  });

  test('a non-2xx leaves that message for the next registration; a timeout or transport error ends the run', async () => {
    const { ids, device, delivery } = await setup(40);
    const b = binding('<urn:uuid:00000000-0000-4000-8000-000000000002>');
    device.answer = (r) => (r.get('message-id') === ids[3] ? 486 : 200);
    assert.deepEqual(await delivery.drain(OWNER, b), { delivered: 39, failed: 1 });
    device.received.length = 0;
    device.answer = (r) => (r.get('message-id') === ids[3] ? 200 : 500);
    assert.deepEqual(await delivery.drain(OWNER, b), { delivered: 1, failed: 0 });
    assert.deepEqual(device.ids(), [ids[3]]);

    for (const failure of ['timeout', 'transport-error'] as const) {
      const other = await setup(100);
      other.device.answer = (r) => (r.get('message-id') === other.ids[20] ? failure : 200);
      const r = await other.delivery.drain(OWNER, b);
      assert.equal(r.failed, 1);
      assert.ok(r.delivered >= 20 && r.delivered < 99, `${failure}: stopped after ${r.delivered}`);
      other.device.answer = () => 200;
      const sentBefore = other.device.received.length;
      const again = await other.delivery.drain(OWNER, b);
      assert.equal(r.delivered + again.delivered, 100, `${failure}: the rest goes at the next registration`);
      assert.ok(other.device.ids().slice(sentBefore).includes(other.ids[20]!));
    }
  });

  test('a registration during a push is folded into it: the device gets each message once', async () => {
    const { ids, device, delivery } = await setup(600);
    const b = binding('<urn:uuid:00000000-0000-4000-8000-000000000003>');
    const first = delivery.drain(OWNER, b);
    const second = await delivery.drain(OWNER, b);
    assert.deepEqual(second, { delivered: 0, failed: 0 });
    assert.deepEqual(await first, { delivered: 600, failed: 0 });
    assert.deepEqual(device.ids(), ids);
  });

  test('over UDP one request at a time', async () => {
    const { device, delivery } = await setup(30, { ...TCP, protocol: 'UDP' });
    assert.deepEqual(await delivery.drain(OWNER, binding(null)), { delivered: 30, failed: 0 });
    assert.equal(device.maxOutstanding, 1);
  });
});
