import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse } from '../../../src/sip/response.js';
import type { SipRequest } from '../../../src/sip/message.js';
import type { ServerInviteTransaction } from '../../../src/sip/transaction/server-invite-transaction.js';
import { TransactionState } from '../../../src/sip/transaction/transaction-state.js';
import { viaBranch } from '../../../src/sip/via.js';
import { harness, makeRequest, RecordingServerUser, RecordingUser, settle, times } from './harness.js';

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  test('over UDP Timer A retransmits at T1, 3·T1, 7·T1, 15·T1, 31·T1, 63·T1 (doubling, no T2 cap) and Timer B times out at 64·T1', () => {
    const h = harness('UDP');
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('INVITE'), h.toBob, user);
    h.clock.advance(40_000);
    assert.deepEqual(times(h, h.net.packets({ from: 'alice.test', method: 'INVITE' })), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(user.timedOutAt! - h.t0, 32_000);
    assert.equal(tx.state, TransactionState.Terminated);
  });

  test('a reliable transport does not start Timer A; Timer B still fires at 64·T1', () => {
    const h = harness('TLS');
    const user = new RecordingUser(h.clock);
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, user);
    h.clock.advance(40_000);
    assert.deepEqual(times(h, h.net.packets({ from: 'alice.test' })), [0]);
    assert.equal(user.timedOutAt! - h.t0, 32_000);
  });

  test('a provisional response stops retransmissions ("SHOULD NOT retransmit the request any longer")', () => {
    const h = harness('UDP');
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow).respond(createResponse(req, 180, { toTag: 'b' }));
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('INVITE'), h.toBob, user);
    h.clock.advance(100_000);
    assert.equal(tx.state, TransactionState.Proceeding);
    assert.deepEqual(times(h, h.net.packets({ from: 'alice.test' })), [0]);
    assert.deepEqual(user.statuses, [180]);
    assert.equal(user.timedOutAt, undefined);
  });

  test('a non-2xx final response is ACKed by the transaction with the INVITE\'s Request-URI, Call-ID, From, Route, top Via and CSeq number, and the response\'s To', () => {
    const h = harness('UDP');
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow).respond(createResponse(req, 486, { toTag: 'bobtag' }));
    const user = new RecordingUser(h.clock);
    const invite = makeRequest('INVITE', { cseq: 7, route: ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'] });
    const tx = h.alice.sendRequest(invite, h.toBob, user);
    h.clock.advance(0);
    assert.equal(tx.state, TransactionState.Completed);
    assert.deepEqual(user.statuses, [486]);
    const acks = h.net.packets({ method: 'ACK' });
    assert.equal(acks.length, 1);
    const ack = acks[0]!.message as SipRequest;
    assert.equal(ack.uriString, invite.uriString);
    assert.equal(ack.callId(), invite.callId());
    assert.equal(ack.get('From'), invite.get('From'));
    assert.equal(ack.to().params.get('tag'), 'bobtag');
    assert.equal(ack.vias().length, 1, 'The ACK MUST contain a single Via header field');
    assert.equal(viaBranch(ack.topVia()), viaBranch(invite.topVia()));
    assert.deepEqual(ack.cseq(), { seq: 7, method: 'ACK' });
    assert.deepEqual(ack.getAll('Route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    // The ACK matched bob's INVITE server transaction: Completed -> Confirmed, never shown to bob's core.
    assert.equal(h.bobCore.acks.length, 0);
  });

  test('a retransmitted final response in Completed re-sends the ACK and is not passed up; Timer D is 32 s on UDP', () => {
    const h = harness('UDP');
    let dropped = false;
    h.net.drop = (p) => p.message.kind === 'request' && p.message.method === 'ACK' && !dropped && (dropped = true);
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow).respond(createResponse(req, 486, { toTag: 'b' }));
    const user = new RecordingUser(h.clock);
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, user);
    h.clock.advance(1000);
    // Bob's Timer G re-sent the 486 at T1; alice ACKed again.
    assert.deepEqual(times(h, h.net.packets({ from: 'bob.test', status: 486 })), [0, 500]);
    assert.deepEqual(times(h, h.net.packets({ method: 'ACK', includeDropped: true })), [0, 500]);
    assert.deepEqual(user.statuses, [486]);
    h.clock.advance(40_000);
    assert.equal(user.terminatedAt! - h.t0, 32_000);
  });

  test('Timer D is zero on a reliable transport', () => {
    const h = harness('TCP');
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow).respond(createResponse(req, 603, { toTag: 'b' }));
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('INVITE'), h.toBob, user);
    h.clock.advance(0);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(h.net.packets({ method: 'ACK' }).length, 1);
    assert.equal(h.bob.serverTransactionCount, 0, 'Timer I is zero on a reliable transport');
  });

  test('a 2xx moves to Accepted; 2xx retransmissions are passed up to the TU; Timer M ends it at 64·T1', () => {
    const h = harness('UDP');
    let stx: ServerInviteTransaction | undefined;
    h.bobCore.onRequest = (req, inc) => {
      stx = h.bob.createServerTransaction(req, inc.flow) as ServerInviteTransaction;
      stx.respond(createResponse(req, 200, { toTag: 'b' }));
    };
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('INVITE'), h.toBob, user);
    h.clock.advance(0);
    assert.equal(tx.state, TransactionState.Accepted);
    // The UAS core retransmits its 2xx (§13.3.1.4) through the transaction in Accepted.
    h.clock.advance(500);
    assert.equal(stx!.respond(createResponse(stx!.request, 200, { toTag: 'b' })), true);
    h.clock.advance(0);
    assert.deepEqual(user.responses.map((r) => [r.at - h.t0, r.response.status]), [
      [0, 200],
      [500, 200],
    ]);
    assert.equal(h.net.packets({ method: 'ACK' }).length, 0, 'the transaction does not ACK a 2xx (§13.2.2.4: the UAC core does)');
    h.clock.advance(40_000);
    assert.equal(user.terminatedAt! - h.t0, 32_000);
  });
});

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  test('sends 100 Trying after 200 ms when the TU has not answered, without a To tag', () => {
    const h = harness('UDP');
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow);
    const user = new RecordingUser(h.clock);
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, user);
    h.clock.advance(1000);
    const trying = h.net.packets({ from: 'bob.test', status: 100 });
    assert.deepEqual(times(h, trying), [200]);
    assert.equal(trying[0]!.message.to().params.get('tag'), undefined);
    assert.deepEqual(times(h, h.net.packets({ from: 'alice.test' })), [0], 'the 100 stopped Timer A before T1');
  });

  test('sends no 100 Trying when the TU answers within 200 ms', () => {
    const h = harness('UDP');
    h.bobCore.onRequest = (req, inc) => {
      const stx = h.bob.createServerTransaction(req, inc.flow);
      h.clock.setTimeout(() => stx.respond(createResponse(req, 180, { toTag: 'b' })), 150);
    };
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, new RecordingUser(h.clock));
    h.clock.advance(1000);
    assert.deepEqual(h.net.packets({ from: 'bob.test' }).map((p) => (p.message.kind === 'response' ? p.message.status : 0)), [180]);
  });

  test('a request retransmission in Proceeding re-sends the most recent provisional response', () => {
    const h = harness('UDP');
    h.net.drop = (p) => p.message.kind === 'response' && p.at - h.t0 < 300;
    h.bobCore.onRequest = (req, inc) => {
      const stx = h.bob.createServerTransaction(req, inc.flow);
      stx.respond(createResponse(req, 100));
      stx.respond(createResponse(req, 180, { toTag: 'b' }));
    };
    const user = new RecordingUser(h.clock);
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, user);
    h.clock.advance(1000);
    assert.deepEqual(
      h.net.packets({ from: 'bob.test' }).map((p) => [p.at - h.t0, p.message.kind === 'response' ? p.message.status : 0]),
      [[500, 180]],
    );
    assert.deepEqual(user.statuses, [180]);
    assert.equal(h.bobCore.requests.length, 1);
  });

  test('Timer G re-sends a non-2xx final response at T1, 3·T1, 7·T1 with intervals capped at T2; Timer H at 64·T1 tells the TU', () => {
    const h = harness('UDP');
    h.net.drop = (p) => p.message.kind === 'request' && p.message.method === 'ACK';
    const stxUser = new RecordingServerUser(h.clock);
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow, stxUser).respond(createResponse(req, 480, { toTag: 'b' }));
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, new RecordingUser(h.clock));
    h.clock.advance(40_000);
    assert.deepEqual(times(h, h.net.packets({ from: 'bob.test', status: 480 })), [
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    assert.equal(stxUser.timedOutAt! - h.t0, 32_000);
    assert.equal(stxUser.terminatedAt! - h.t0, 32_000);
  });

  test('the ACK moves Completed to Confirmed, which absorbs ACKs until Timer I (T4)', () => {
    const h = harness('UDP');
    let stx: ServerInviteTransaction | undefined;
    const stxUser = new RecordingServerUser(h.clock);
    h.bobCore.onRequest = (req, inc) => {
      stx = h.bob.createServerTransaction(req, inc.flow, stxUser) as ServerInviteTransaction;
      stx.respond(createResponse(req, 404, { toTag: 'b' }));
    };
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, new RecordingUser(h.clock));
    h.clock.advance(0);
    assert.equal(stx!.state, TransactionState.Confirmed);
    h.clock.advance(10_000);
    assert.deepEqual(times(h, h.net.packets({ from: 'bob.test' })), [0], 'no Timer G retransmission after the ACK');
    assert.equal(stxUser.terminatedAt! - h.t0, 5000);
    assert.equal(h.bobCore.acks.length, 0);
  });

  test('in Accepted, retransmitted INVITEs are absorbed, not passed up; Timer L ends it at 64·T1', () => {
    const h = harness('UDP', 300);
    const stxUser = new RecordingServerUser(h.clock);
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow, stxUser).respond(createResponse(req, 200, { toTag: 'b' }));
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, new RecordingUser(h.clock));
    h.clock.advance(2000);
    // Alice retransmitted at 500 (the 200 reached her at 600); bob absorbed it at 800.
    assert.deepEqual(times(h, h.net.packets({ from: 'alice.test', method: 'INVITE' })), [0, 500]);
    assert.deepEqual(times(h, h.net.packets({ from: 'bob.test' })), [300]);
    assert.equal(h.bobCore.requests.length, 1);
    h.clock.advance(40_000);
    assert.equal(stxUser.terminatedAt! - h.t0, 300 + 32_000);
  });

  test('the ACK for a 2xx (a new transaction) reaches the core; an ACK matching the transaction in Accepted reaches its TU', () => {
    const h = harness('UDP');
    const stxUser = new RecordingServerUser(h.clock);
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow, stxUser).respond(createResponse(req, 200, { toTag: 'b' }));
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('INVITE', { cseq: 3 }), h.toBob, user);
    h.clock.advance(0);
    const ok = user.responses[0]!.response;
    // §13.2.2.4: the UAC core builds the ACK for the 2xx and sends it without a transaction, with a new branch.
    const ack = makeRequest('ACK', { cseq: 3, callId: tx.request.callId(), toTag: 'b' });
    void h.alice.sendStateless(ack, h.toBob);
    h.clock.advance(0);
    assert.equal(h.bobCore.acks.length, 1);
    assert.equal(stxUser.acks.length, 0);
    // An ACK carrying the INVITE's own branch matches the INVITE server transaction (RFC 6026 §8.7).
    const sameBranch = makeRequest('ACK', { cseq: 3, callId: ok.callId(), toTag: 'b' });
    sameBranch.prepend('Via', tx.request.getAll('Via')[0]!);
    void h.alice.sendStateless(sameBranch, h.toBob, { addVia: false });
    h.clock.advance(0);
    assert.equal(stxUser.acks.length, 1);
    assert.equal(h.bobCore.acks.length, 1);
  });

  test('a transport error on a response is reported to the TU (§17.2.4)', async () => {
    const h = harness('UDP');
    const stxUser = new RecordingServerUser(h.clock);
    h.bobCore.onRequest = (req, inc) => {
      h.bobTransport.sendError = new Error('connection reset');
      h.bob.createServerTransaction(req, inc.flow, stxUser).respond(createResponse(req, 500, { toTag: 'b' }));
    };
    h.alice.sendRequest(makeRequest('INVITE'), h.toBob, new RecordingUser(h.clock));
    h.clock.advance(0);
    await settle();
    assert.equal(stxUser.transportError?.message, 'connection reset');
    assert.equal(h.bob.serverTransactionCount, 0);
  });
});
