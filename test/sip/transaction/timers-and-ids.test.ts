import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse } from '../../../src/sip/response.js';
import { initialCSeq, newBranch, newCallId, newTag } from '../../../src/sip/ids.js';
import { DEFAULT_TIMER_SETTINGS, timerTable } from '../../../src/sip/timers.js';
import { ClientNonInviteTransaction } from '../../../src/sip/transaction/client-non-invite-transaction.js';
import { TransactionState, TransactionStateError } from '../../../src/sip/transaction/transaction-state.js';
import { LoopNetwork } from '../../support/loop-transport.js';
import { ManualClock } from '../../../src/formats/clock.js';
import { TransactionLayer } from '../../../src/sip/transaction/transaction-layer.js';
import { harness, makeRequest, RecordingCore, RecordingServerUser, RecordingUser, times } from './harness.js';

describe('timer values (RFC 3261 §17 Table 4, RFC 6026)', () => {
  test('unreliable transports: A=E=G=T1, B=F=H=J=L=M=64·T1, D=32 s, I=K=T4', () => {
    const t = timerTable(false);
    assert.deepEqual(
      [t.T1, t.T2, t.T4, t.A, t.B, t.D, t.E, t.F, t.G, t.H, t.I, t.J, t.K, t.L, t.M],
      [500, 4000, 5000, 500, 32000, 32000, 500, 32000, 500, 32000, 5000, 32000, 5000, 32000, 32000],
    );
    assert.ok(t.C > 180_000 - 1, 'Timer C: > 3 min');
  });

  test('reliable transports: no retransmission timers (A, E, G), and D, I, J, K are zero; B, F, H stay 64·T1', () => {
    const t = timerTable(true);
    assert.deepEqual([t.A, t.E, t.G], [null, null, null]);
    assert.deepEqual([t.D, t.I, t.J, t.K], [0, 0, 0, 0]);
    assert.deepEqual([t.B, t.F, t.H, t.L, t.M], [32000, 32000, 32000, 32000, 32000]);
  });

  test('T1, T2 and T4 are configurable and the others follow', () => {
    const t = timerTable(false, { T1: 200, T2: 2000, T4: 3000 });
    assert.deepEqual([t.A, t.B, t.I, t.K, t.J], [200, 12800, 3000, 3000, 12800]);
    assert.deepEqual(DEFAULT_TIMER_SETTINGS, { T1: 500, T2: 4000, T4: 5000 });
  });

  test('Timer H runs on a reliable transport too (no Timer G retransmissions)', () => {
    const h = harness('TCP');
    h.net.drop = (p) => p.message.kind === 'request' && p.message.method === 'ACK';
    const stxUser = new RecordingServerUser(h.clock);
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow, stxUser).respond(createResponse(req, 486, { toTag: 'b' }));
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, new RecordingUser(h.clock));
    h.clock.advance(40_000);
    assert.deepEqual(times(h, h.net.packets({ from: 'bob.test' })), [0]);
    assert.equal(stxUser.timedOutAt! - h.t0, 32_000);
  });
});

describe('identifiers (RFC 3261 §8.1.1.4, §8.1.1.5, §8.1.1.7, §19.3)', () => {
  const fixed = (v: number) => (b: Uint8Array) => b.fill(v);

  test('a branch begins with the magic cookie z9hG4bK and comes from the injected random source', () => {
    assert.equal(newBranch(fixed(0)), 'z9hG4bK' + 'a'.repeat(20));
    assert.match(newBranch(), /^z9hG4bK[a-z2-9]{20}$/);
    assert.notEqual(newBranch(), newBranch());
  });

  test('tags carry at least 32 bits of randomness; Call-IDs may name a host', () => {
    assert.match(newTag(), /^[a-z2-9]{10}$/);
    assert.equal(newTag(fixed(1)), 'b'.repeat(10));
    assert.match(newCallId(undefined, 'alice.test'), /^[a-z2-9]{24}@alice\.test$/);
  });

  test('an initial CSeq is below 2**31', () => {
    assert.equal(initialCSeq(fixed(0)), 1);
    assert.ok(initialCSeq(fixed(0xff)) < 2 ** 31);
  });
});

describe('state machine discipline', () => {
  test('stateTransition() throws on a move the machine does not have', () => {
    class Probe extends ClientNonInviteTransaction {
      force(s: TransactionState): void {
        this.stateTransition(s);
      }
    }
    const clock = new ManualClock();
    const net = new LoopNetwork({ clock });
    const ctx = { transport: net.transport('x.test'), clock, timers: timerTable(false) };
    const tx = new Probe('k', makeRequest('OPTIONS'), { protocol: 'UDP', address: 'y.test', port: 5060 }, ctx);
    assert.throws(() => tx.force(TransactionState.Accepted), TransactionStateError);
    tx.force(TransactionState.Completed);
    assert.throws(() => tx.force(TransactionState.Proceeding), TransactionStateError);
  });
});

describe('loop transport loss', () => {
  test('with half the UDP packets lost the non-INVITE transaction still completes through retransmissions', () => {
    const clock = new ManualClock();
    const net = new LoopNetwork({ clock, loss: 0.5 });
    const aliceCore = new RecordingCore();
    const bobCore = new RecordingCore();
    const alice = new TransactionLayer({ transport: net.transport('alice.test'), clock, core: aliceCore });
    const bob = new TransactionLayer({ transport: net.transport('bob.test'), clock, core: bobCore });
    bobCore.onRequest = (req, inc) => bob.createServerTransaction(req, inc.flow).respond(createResponse(req, 200, { toTag: 'b' }));
    const user = new RecordingUser(clock);
    alice.sendRequest(makeRequest('MESSAGE'), { protocol: 'UDP', address: 'bob.test', port: 5060 }, user);
    clock.advance(40_000);
    assert.ok(net.log.some((p) => p.dropped), 'some packets were lost');
    assert.deepEqual(user.statuses, [200]);
    assert.equal(bobCore.requests.length, 1);
    assert.equal(user.timedOutAt, undefined);
  });
});
