import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';
import { LinphoneDaemon } from '../support/peers/linphone-daemon.js';

// linphone-daemon 5.1.65 (Debian 12, package linphone-cli): belle-sip reads
// every challenge and answers the MD5 one, so it works with simpleim's
// MD5 + SHA-256 challenges as they are.
for (const transport of ['udp', 'tcp'] as const) {
  describe(`linphone-daemon registered over ${transport.toUpperCase()} exchanges MESSAGEs through simpleim`, { timeout: 90_000 }, () => {
    let server: TestServer;
    let linphone: LinphoneDaemon | undefined;
    let bob: TestUa | undefined;

    before(async () => {
      server = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw' } });
    });
    after(async () => {
      await linphone?.stop();
      await bob?.close();
      assert.equal(await server.stop(), 0, 'the server stops cleanly on SIGTERM');
    });

    test('linphone registers with digest authentication (LinphoneRegistrationOk)', async () => {
      linphone = await LinphoneDaemon.start({
        transport,
        proxyPort: server.sipPort,
        aor: 'sip:alice@example.com',
        user: 'alice',
        password: 'alice-pw',
        realm: 'example.com',
      });
      await linphone.registered();
      bob = await TestUa.create({ user: 'bob', password: 'bob-pw', serverPort: server.sipPort, protocol: 'UDP' });
      assert.equal((await bob.register()).status, 200);
    });

    test('linphone receives a MESSAGE a UDP user sends (Event-type: message-received)', async () => {
      assert.ok(linphone && bob, 'registered in the previous test');
      const res = await bob.request('MESSAGE', 'sip:alice@example.com', { body: `hello linphone over ${transport}` });
      // 200 from linphone itself; a 202 "Accepted for later delivery" would mean the
      // IM server stored the message instead, as linphone registers no +g.oma.sip-im.
      assert.equal(res.status, 200, `${res.status} ${res.reason}`);
      const ev = await linphone.waitFor(/Event-type: message-received\n\s*From: (\S+)\n[^]*?Content: "([^\n]*)"\n/);
      assert.equal(ev[1], 'sip:bob@example.com');
      assert.equal(ev[2], `hello linphone over ${transport}`);
    });

    test('linphone sends a MESSAGE that a UDP user receives with the asserted identity of alice, and sees it Delivered', async () => {
      assert.ok(linphone && bob, 'registered in the previous test');
      const mark = linphone.output.length;
      linphone.send(`message sip:bob@example.com hi-bob-from-linphone-${transport}`);
      const got = await bob.waitFor((m) => m.method === 'MESSAGE' && Buffer.from(m.body).toString().includes(`hi-bob-from-linphone-${transport}`), 10_000);
      assert.equal(got.getAll('p-asserted-identity')[0], '<sip:alice@example.com>');
      await linphone.waitFor(/State: LinphoneChatMessageStateDelivered/, 10_000, mark);
    });
  });
}
