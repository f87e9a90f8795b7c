import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';
import { Baresip } from '../support/peers/baresip.js';
import { MD5_ONLY_ENV } from '../support/peers/md5-only.js';

// baresip 1.0.0 (Debian 12): libre aborts digest authentication on any
// challenge that is not MD5, so the server must offer MD5 alone (MD5_ONLY_ENV).
// baresip registers no +g.oma.sip-im: the IM server must still deliver a
// pager-mode MESSAGE to it when the user has no IM-capable device.
for (const transport of ['udp', 'tcp'] as const) {
  describe(`baresip registered over ${transport.toUpperCase()} exchanges MESSAGEs through simpleim`, { timeout: 90_000 }, () => {
    let server: TestServer;
    let baresip: Baresip | undefined;
    let bob: TestUa | undefined;

    before(async () => {
      server = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw' }, env: MD5_ONLY_ENV });
    });
    after(async () => {
      await baresip?.stop();
      await bob?.close();
      assert.equal(await server.stop(), 0, 'the server stops cleanly on SIGTERM');
    });

    test('baresip registers with digest authentication (200 OK, 1 binding)', async () => {
      baresip = await Baresip.start({
        transport,
        proxyPort: server.sipPort,
        user: 'alice',
        password: 'alice-pw',
        domain: 'example.com',
        peer: 'sip:bob@example.com',
      });
      const line = await baresip.registered();
      assert.match(line, new RegExp(`\\{0/${transport.toUpperCase()}/v4\\} 200 OK \\(IM-serv/OMA1\\.0 simpleim/0\\.1\\) \\[1 binding\\]`));
      bob = await TestUa.create({ user: 'bob', password: 'bob-pw', serverPort: server.sipPort, protocol: 'UDP' });
      assert.equal((await bob.register()).status, 200);
    });

    test('baresip receives a MESSAGE a UDP user sends and prints it on its console', async () => {
      assert.ok(baresip && bob, 'registered in the previous test');
      // A console connection that has sent one command is where baresip prints what it receives.
      await baresip.command('/about');
      const res = await bob.request('MESSAGE', 'sip:alice@example.com', { body: `hello baresip over ${transport}` });
      assert.equal(res.status, 200, `${res.status} ${res.reason}`);
      await baresip.waitFor('console', new RegExp(`sip:bob@example\\.com: "hello baresip over ${transport}"`));
    });

    test('baresip sends a MESSAGE (/message) that a UDP user receives with the asserted identity of alice', async () => {
      assert.ok(baresip && bob, 'registered in the previous test');
      await baresip.command(`/message hi-bob-from-baresip-${transport}`);
      const got = await bob.waitFor((m) => m.method === 'MESSAGE' && Buffer.from(m.body).toString() === `hi-bob-from-baresip-${transport}`, 10_000);
      assert.equal(got.getAll('p-asserted-identity')[0], '<sip:alice@example.com>');
    });
  });
}
