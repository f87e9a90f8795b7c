import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, freePort, type TestServer } from '../support/server.js';
import { describeRun, runSipp, startSipp } from '../support/sipp.js';

const SCEN = join(import.meta.dirname, '..', 'sipp');

for (const transport of ['u1', 't1'] as const) {
  const label = transport === 'u1' ? 'UDP' : 'TCP';
  describe(`sipp against simpleim server over ${label} (RFC 3261 registrar and proxy)`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw' } });
    });
    after(async () => {
      assert.equal(await server.stop(), 0, 'the server stops cleanly on SIGTERM');
    });

    test('REGISTER with digest authentication: 401 then 200', async () => {
      const port = await freePort();
      const r = await runSipp({
        scenario: join(SCEN, 'register-auth.xml'),
        remote: `127.0.0.1:${server.sipPort}`,
        transport,
        inf: `SEQUENTIAL\nalice;example.com;600;[authentication username=alice password=alice-pw];${port}\n`,
      });
      assert.equal(r.code, 0, describeRun(r));
    });

    test('a wrong password gets 403, not a 200', async () => {
      const port = await freePort();
      const r = await runSipp({
        scenario: join(SCEN, 'register-auth.xml'),
        remote: `127.0.0.1:${server.sipPort}`,
        transport,
        inf: `SEQUENTIAL\nalice;example.com;600;[authentication username=alice password=wrong];${port}\n`,
      });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr + JSON.stringify(r.stats), /403|Unexpected/);
    });

    test('MESSAGE from one registered user reaches the other, with P-Asserted-Identity', async () => {
      const uasPort = await freePort();
      const uas = startSipp({ scenario: join(SCEN, 'message-uas.xml'), transport, localPort: uasPort, calls: 1, timeoutS: 20 });
      await new Promise((r) => setTimeout(r, 300));
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
        inf: `SEQUENTIAL\nalice;example.com;bob;[authentication username=alice password=alice-pw]\n`,
      });
      assert.equal(msg.code, 0, describeRun(msg));
      const got = await uas.done;
      assert.equal(got.code, 0, describeRun(got));
      assert.match(got.logs, /PAI=P-Asserted-Identity: <sip:alice@example.com>/);
    });
  });
}
