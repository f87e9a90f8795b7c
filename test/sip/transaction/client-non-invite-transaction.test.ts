import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse } from '../../../src/sip/response.js';
import { TransactionLayer } from '../../../src/sip/transaction/transaction-layer.js';
import { TransactionState } from '../../../src/sip/transaction/transaction-state.js';
import { harness, makeRequest, RecordingServerUser, RecordingUser, settle, times } from './harness.js';

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  test('over UDP Timer E retransmits at T1, 3·T1, 7·T1, ... with intervals capped at T2, and Timer F times out at 64·T1', () => {
    const h = harness('UDP');
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('OPTIONS'), h.toBob, user);
    h.clock.advance(40_000);
    assert.deepEqual(times(h, h.net.packets({ from: 'alice.test', method: 'OPTIONS' })), [
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    assert.equal(user.timedOutAt! - h.t0, 32_000);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(h.alice.clientTransactionCount, 0);
  });

  test('a reliable transport does not retransmit; Timer F still fires at 64·T1', () => {
    const h = harness('TCP');
    const user = new RecordingUser(h.clock);
    h.alice.sendRequest(makeRequest('OPTIONS'), h.toBob, user);
    h.clock.advance(40_000);
    assert.deepEqual(times(h, h.net.packets({ from: 'alice.test', method: 'OPTIONS' })), [0]);
    assert.equal(user.timedOutAt! - h.t0, 32_000);
  });

  test('configurable T1 and T2 scale the retransmissions', () => {
    const h = harness('UDP');
    const alice = new TransactionLayer({
      transport: h.net.transport('carol.test'),
      clock: h.clock,
      core: h.aliceCore,
      timers: { T1: 100, T2: 400 },
    });
    const user = new RecordingUser(h.clock);
    alice.sendRequest(makeRequest('OPTIONS'), h.toBob, user);
    h.clock.advance(10_000);
    assert.deepEqual(times(h, h.net.packets({ from: 'carol.test' })), [0, 100, 300, 700, 1100, 1500, 1900, 2300, 2700, 3100, 3500, 3900, 4300, 4700, 5100, 5500, 5900, 6300]);
    assert.equal(user.timedOutAt! - h.t0, 6400);
  });

  test('a provisional response moves the transaction to Proceeding, where Timer E fires every T2', () => {
    const h = harness('UDP');
    h.bobCore.onRequest = (req, inc) => {
      const stx = h.bob.createServerTransaction(req, inc.flow);
      stx.respond(createResponse(req, 100));
    };
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('MESSAGE'), h.toBob, user);
    h.clock.advance(0);
    assert.equal(tx.state, TransactionState.Proceeding);
    assert.deepEqual(user.statuses, [100]);
    h.clock.advance(20_000);
    assert.deepEqual(times(h, h.net.packets({ from: 'alice.test', method: 'MESSAGE' })), [0, 500, 4500, 8500, 12500, 16500]);
    // "If a retransmission of the request is received while in the "Proceeding" state, the most
    // recently sent provisional response MUST be passed to the transport layer for retransmission."
    assert.deepEqual(times(h, h.net.packets({ from: 'bob.test', status: 100 })), [0, 500, 4500, 8500, 12500, 16500]);
    // §17.1.2.2: "If a provisional response is received while in the "Proceeding" state, the
    // response MUST be passed to the TU."
    assert.deepEqual(user.statuses, [100, 100, 100, 100, 100, 100]);
  });

  test('the final response is passed to the TU once; retransmissions are absorbed in Completed; Timer K = T4 on UDP', () => {
    const h = harness('UDP', 300);
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow).respond(createResponse(req, 200, { toTag: 'b1' }));
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('MESSAGE'), h.toBob, user);
    h.clock.advance(600);
    assert.equal(tx.state, TransactionState.Completed);
    h.clock.advance(2000);
    // Alice retransmitted at 500 (before the 200 arrived at 600); bob re-sent its 200 at 800.
    assert.deepEqual(times(h, h.net.packets({ from: 'bob.test', status: 200 })), [300, 800]);
    assert.deepEqual(user.statuses, [200]);
    assert.equal(h.bobCore.requests.length, 1, 'the retransmitted request was absorbed by the server transaction');
    h.clock.advance(10_000);
    assert.equal(user.terminatedAt! - h.t0, 600 + 5000);
  });

  test('Timer K is zero on a reliable transport: the transaction ends with the final response', () => {
    const h = harness('TCP');
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow).respond(createResponse(req, 200, { toTag: 'b1' }));
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('MESSAGE'), h.toBob, user);
    h.clock.advance(0);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(h.alice.clientTransactionCount, 0);
    assert.equal(h.bob.serverTransactionCount, 0, 'Timer J is zero on a reliable transport');
  });

  test('a transport error is reported to the TU and ends the transaction (§17.1.4)', async () => {
    const h = harness('UDP');
    h.aliceTransport.sendError = new Error('network unreachable');
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('OPTIONS'), h.toBob, user);
    await settle();
    assert.equal(user.transportError?.message, 'network unreachable');
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(h.alice.clientTransactionCount, 0);
  });
});

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  test('request retransmissions are discarded in Trying', () => {
    const h = harness('UDP');
    const user = new RecordingUser(h.clock);
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow);
    h.alice.sendRequest(makeRequest('OPTIONS'), h.toBob, user);
    h.clock.advance(2000);
    assert.equal(h.bobCore.requests.length, 1);
    assert.equal(h.net.packets({ from: 'bob.test' }).length, 0);
  });

  test('in Completed the final response is re-sent for each retransmission, until Timer J (64·T1) fires', () => {
    const h = harness('UDP');
    const stxUser = new RecordingServerUser(h.clock);
    // The 200 is lost twice, so the client's retransmissions reach the server transaction in Completed.
    let lost = 0;
    h.net.drop = (p) => p.message.kind === 'response' && lost++ < 2;
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow, stxUser).respond(createResponse(req, 200, { toTag: 'b' }));
    const user = new RecordingUser(h.clock);
    h.alice.sendRequest(makeRequest('OPTIONS'), h.toBob, user);
    h.clock.advance(2000);
    assert.deepEqual(times(h, h.net.packets({ from: 'bob.test', status: 200, includeDropped: true })), [0, 500, 1500]);
    assert.deepEqual(user.statuses, [200]);
    assert.equal(h.bobCore.requests.length, 1);
    h.clock.advance(40_000);
    assert.equal(stxUser.terminatedAt! - h.t0, 32_000);
  });

  test('a final response passed in Completed is discarded', () => {
    const h = harness('UDP');
    let sent: boolean[] = [];
    h.bobCore.onRequest = (req, inc) => {
      const stx = h.bob.createServerTransaction(req, inc.flow);
      sent = [stx.respond(createResponse(req, 200, { toTag: 'b' })), stx.respond(createResponse(req, 500, { toTag: 'b' }))];
    };
    h.alice.sendRequest(makeRequest('OPTIONS'), h.toBob, new RecordingUser(h.clock));
    h.clock.advance(0);
    assert.deepEqual(sent, [true, false]);
    assert.equal(h.net.packets({ from: 'bob.test' }).length, 1);
  });
});
