import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startOptionsResponder } from '../support/options-responder.js';
import { describeRun, runSipp } from '../support/sipp.js';

const SCEN = join(import.meta.dirname, '..', 'sipp', 'options-uac.xml');

describe('sipp OPTIONS against a stateless responder built on the SIP stack (issue 2)', () => {
  for (const transport of ['u1', 't1'] as const) {
    test(`100 OPTIONS over ${transport === 'u1' ? 'UDP' : 'TCP'} all get 200`, async () => {
      const r = await startOptionsResponder();
      try {
        const run = await runSipp({ scenario: SCEN, remote: `127.0.0.1:${r.port}`, transport, calls: 100, rate: 200, timeoutS: 20 });
        assert.equal(run.code, 0, describeRun(run));
        assert.equal(run.stats['SuccessfulCall(C)'], '100');
        assert.equal(r.answered(), 100);
      } finally {
        await r.close();
      }
    });
  }
});
