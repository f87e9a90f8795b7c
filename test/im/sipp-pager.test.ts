import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, freePort, type TestServer } from '../support/server.js';
import { describeRun, runSipp, startSipp } from '../support/sipp.js';

const SCEN = join(import.meta.dirname, '..', 'sipp');

for (const transport of ['u1', 't1'] as const) {
  describe(`sipp peers and the IM server over ${transport === 'u1' ? 'UDP' : 'TCP'} (RFC 3428 pager mode, OMA IM digest §3.4)`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' } });
    });
    after(async () => {
      assert.equal(await server.stop(), 0);
    });

    test('a registered sipp UAS receives pager messages from an authenticated sipp UAC', async () => {
      const uasPort = await freePort();
      const uas = startSipp({ scenario: join(SCEN, 'message-uas.xml'), transport, localPort: uasPort, calls: 3, timeoutS: 20 });
      const reg = await runSipp({
        scenario: join(SCEN, 'register-auth.xml'),
        remote: `127.0.0.1:${server.sipPort}`,
        transport,
        inf: `SEQUENTIAL\nbob;example.com;600;[authentication username=bob password=bob-pw];${uasPort}\n`,
      });
      assert.equal(reg.code, 0, describeRun(reg));
      const msg = await runSipp({
        scenario: join(SCEN, 'message-uac-auth.xml'),
        remote: `127.0.0.1:${server.sipPort}`,
        transport,
        calls: 3,
        extra: ['-l', '1'],
        inf: `SEQUENTIAL\nalice;example.com;bob;[authentication username=alice password=alice-pw]\n`,
      });
      assert.equal(msg.code, 0, describeRun(msg));
      const got = await uas.done;
      assert.equal(got.code, 0, describeRun(got));
      assert.equal((got.logs.match(/PAI=P-Asserted-Identity: <sip:alice@example.com>/g) ?? []).length, 3);
    });

    test('an offline recipient: the sender gets 202; a later REGISTER receives the stored messages in order with the original sender', async () => {
      const send = await runSipp({
        scenario: join(SCEN, 'im-message-uac-deferred.xml'),
        remote: `127.0.0.1:${server.sipPort}`,
        transport,
        calls: 3,
        extra: ['-l', '1'],
        inf: `SEQUENTIAL\nalice;example.com;carol;[authentication username=alice password=alice-pw]\n`,
      });
      assert.equal(send.code, 0, describeRun(send));
      const port = await freePort();
      const device = startSipp({ scenario: join(SCEN, 'im-message-uas-log.xml'), transport, localPort: port, calls: 3, timeoutS: 20 });
      const reg = await runSipp({
        scenario: join(SCEN, 'register-auth.xml'),
        remote: `127.0.0.1:${server.sipPort}`,
        transport,
        inf: `SEQUENTIAL\ncarol;example.com;600;[authentication username=carol password=carol-pw];${port}\n`,
      });
      assert.equal(reg.code, 0, describeRun(reg));
      const got = await device.done;
      assert.equal(got.code, 0, describeRun(got));
      const lines = got.logs.split('\n').filter((l) => l.startsWith('GOT'));
      assert.equal(lines.length, 3, got.logs);
      // sipp numbers its calls from 1: the messages were "message 1..3" and arrive in that order.
      lines.forEach((l, i) =>
        assert.match(l, new RegExp(`^GOT message ${i + 1} From: <sip:alice@example.com>;tag=\\S+ PAI=P-Asserted-Identity: <sip:alice@example.com> Message-ID: \\S+`)),
      );
      assert.equal(new Set(lines.map((l) => l.split('Message-ID: ')[1])).size, 3, 'three distinct message ids');
    });
  });
}
