import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';
import { isMessage, settle, waitForCount } from './support/inbox.js';

const N = 400;
const CONCURRENCY = 16;

describe('deferred messages survive kill -9 (OMA IM digest §3.4: nothing answered 202 is lost)', () => {
  test('every MESSAGE answered 202 before SIGKILL is pushed after the restart, and no message id reaches the device twice', async () => {
    const users = { alice: 'alice-pw', bob: 'bob-pw' };
    const server = await startServer({ users, env: { SIMPLEIM_DEFERRED_QUOTA: '100000' } });
    const alice = await TestUa.create({ user: 'alice', password: 'alice-pw', serverPort: server.sipPort, protocol: 'TCP' });
    const accepted: string[] = [];
    let killed = false;
    let next = 0;
    const sender = async () => {
      while (!killed && next < N) {
        const body = `m-${next++}`;
        try {
          const res = await alice.request('MESSAGE', 'sip:bob@example.com', { body });
          if (res.status === 202) accepted.push(body);
        } catch {
          // The server went away with this request outstanding: it may or may not have been stored.
        }
      }
    };
    const senders = Array.from({ length: CONCURRENCY }, () => sender());
    // A random moment while messages are being stored under load.
    const target = 50 + Math.floor(Math.random() * (N / 2));
    while (accepted.length < target) await settle(5);
    await server.kill();
    killed = true;
    void Promise.allSettled(senders);
    await alice.close();
    assert.ok(accepted.length >= target);

    const again = await startServer({ data: server.data, sipPort: server.sipPort, httpPort: server.httpPort });
    const bob = await TestUa.create({ user: 'bob', password: 'bob-pw', serverPort: again.sipPort, protocol: 'TCP' });
    try {
      assert.equal((await bob.register()).status, 200);
      await waitForCount(bob, isMessage, accepted.length, 30_000);
      await settle(500);
      const got = bob.inbox.filter(isMessage);
      const bodies = new Set(got.map((r) => r.bodyText()));
      const missing = accepted.filter((b) => !bodies.has(b));
      assert.deepEqual(missing, [], `every 202 is delivered (${accepted.length} accepted, ${got.length} delivered)`);
      const ids = got.map((r) => r.get('message-id'));
      assert.equal(new Set(ids).size, ids.length, 'no message id twice at the device');
      assert.equal(bodies.size, got.length, 'no message twice at the device');
    } finally {
      await bob.close();
      assert.equal(await again.stop(), 0);
    }
  });
});
