import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createResponse } from '../../../src/sip/response.js';
import { field, SipResponse, type SipRequest } from '../../../src/sip/message.js';
import { serializeMessage } from '../../../src/sip/serializer.js';
import type { ServerInviteTransaction } from '../../../src/sip/transaction/server-invite-transaction.js';
import { TransactionState } from '../../../src/sip/transaction/transaction-state.js';
import { MAGIC_COOKIE, viaBranch } from '../../../src/sip/via.js';
import { harness, makeRequest, RecordingServerUser, RecordingUser } from './harness.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../fixtures/rfc4475/${name}`, import.meta.url)));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const peer = { address: 'peer.test', port: 5060 };
const bobAddr = { address: 'bob.test', port: 5060 };

describe('client transactions: creation and response matching (RFC 3261 §17.1.3)', () => {
  test('sendRequest adds a top Via with the transport\'s sent-by and a fresh branch that starts with z9hG4bK', () => {
    const h = harness('TCP');
    const a = h.alice.sendRequest(makeRequest('OPTIONS'), h.toBob);
    const b = h.alice.sendRequest(makeRequest('OPTIONS'), h.toBob);
    const via = a.request.topVia();
    assert.equal(via.transport, 'TCP');
    assert.equal(via.host, 'alice.test');
    assert.equal(via.port, 5060);
    assert.ok(viaBranch(via)!.startsWith(MAGIC_COOKIE));
    assert.notEqual(viaBranch(via), viaBranch(b.request.topVia()));
  });

  test('a response matches the client transaction by branch and CSeq method; one with the same branch but another method does not', () => {
    const h = harness('UDP');
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('INVITE'), h.toBob, user);
    const wrongMethod = createResponse(tx.request, 200, { toTag: 'x' });
    wrongMethod.set('CSeq', `${tx.request.cseq().seq} CANCEL`);
    h.aliceTransport.onMessage!({ message: wrongMethod, flow: h.aliceTransport.findFlow('UDP', bobAddr)!, receivedAt: h.clock.now() });
    assert.deepEqual(user.statuses, []);
    assert.equal(h.aliceCore.stray.length, 1, 'a response that matches no client transaction is passed to the core');
    const right = createResponse(tx.request, 180, { toTag: 'x' });
    h.aliceTransport.onMessage!({ message: right, flow: h.aliceTransport.findFlow('UDP', bobAddr)!, receivedAt: h.clock.now() });
    assert.deepEqual(user.statuses, [180]);
  });

  test('a stray 2xx (no client transaction) goes to the core, as a stateful proxy forwards it statelessly', () => {
    const h = harness('UDP');
    const res = new SipResponse(200, 'OK', [
      field('Via', 'SIP/2.0/UDP alice.test:5060;branch=z9hG4bKnotours'),
      field('From', '<sip:a@x>;tag=1'),
      field('To', '<sip:b@x>;tag=2'),
      field('Call-ID', 'stray@x'),
      field('CSeq', '1 INVITE'),
    ]);
    h.net.inject(serializeMessage(res), bobAddr, { address: 'alice.test', port: 5060 });
    h.clock.advance(0);
    assert.equal(h.aliceCore.stray.length, 1);
    assert.equal(h.aliceCore.stray[0]!.status, 200);
  });

  test('ACK is never sent through a client transaction', () => {
    const h = harness('UDP');
    assert.throws(() => h.alice.sendRequest(makeRequest('ACK'), h.toBob));
  });
});

describe('CANCEL (RFC 3261 §9)', () => {
  function uas(h: ReturnType<typeof harness>, provisional: boolean) {
    const invites: ServerInviteTransaction[] = [];
    h.bobCore.onRequest = (req, inc) => {
      const stx = h.bob.createServerTransaction(req, inc.flow) as ServerInviteTransaction;
      invites.push(stx);
      if (provisional) stx.respond(createResponse(req, 180, { toTag: 'bob' }));
    };
    h.bobCore.onCancel = (cancel, invite) => {
      cancel.respond(createResponse(cancel.request, 200, { toTag: 'bob' }));
      invite.respond(createResponse(invite.request, 487, { toTag: 'bob' }));
    };
    return invites;
  }

  test('the CANCEL carries the INVITE\'s Request-URI, Call-ID, To, From, CSeq number and single top Via, matches the INVITE server transaction, and ends the INVITE with 487', () => {
    const h = harness('UDP');
    const invites = uas(h, true);
    const inviteUser = new RecordingUser(h.clock);
    const cancelUser = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('INVITE', { cseq: 11, route: ['<sip:p.example.com;lr>'] }), h.toBob, inviteUser);
    h.clock.advance(0);
    assert.equal(h.alice.cancel(tx, cancelUser, [['Reason', 'SIP;cause=487']]), 'sent');
    h.clock.advance(0);
    const cancel = h.net.packets({ method: 'CANCEL' })[0]!.message as SipRequest;
    assert.equal(cancel.uriString, tx.request.uriString);
    assert.equal(cancel.callId(), tx.request.callId());
    assert.equal(cancel.get('To'), tx.request.get('To'));
    assert.equal(cancel.get('From'), tx.request.get('From'));
    assert.deepEqual(cancel.cseq(), { seq: 11, method: 'CANCEL' });
    assert.deepEqual(cancel.getAll('Via'), [tx.request.getAll('Via')[0]]);
    assert.deepEqual(cancel.getAll('Route'), ['<sip:p.example.com;lr>']);
    assert.equal(cancel.get('Reason'), 'SIP;cause=487');
    assert.equal(h.bobCore.cancels.length, 1);
    assert.equal(h.bobCore.cancels[0]!.invite, invites[0]);
    assert.deepEqual(cancelUser.statuses, [200]);
    assert.deepEqual(inviteUser.statuses, [180, 487]);
    assert.equal(h.net.packets({ method: 'ACK' }).length, 1, 'the 487 was ACKed by the INVITE client transaction');
    assert.equal(invites[0]!.state, TransactionState.Confirmed);
  });

  test('"the client MUST wait for the arrival of a provisional response before sending" the CANCEL', () => {
    const h = harness('UDP');
    const invites = uas(h, false);
    const cancelUser = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('INVITE'), h.toBob, new RecordingUser(h.clock));
    assert.equal(h.alice.cancel(tx, cancelUser), 'pending');
    h.clock.advance(100);
    assert.equal(h.net.packets({ method: 'CANCEL' }).length, 0);
    // Bob's INVITE server transaction sends 100 Trying at 200 ms; the CANCEL leaves when it arrives.
    h.clock.advance(100);
    assert.deepEqual(times(h.net.packets({ method: 'CANCEL' })), [200]);
    assert.deepEqual(cancelUser.statuses, [200]);
    assert.equal(invites[0]!.state, TransactionState.Confirmed);
    function times(ps: Array<{ at: number }>) {
      return ps.map((p) => p.at - h.t0);
    }
  });

  test('"If the original request has generated a final response, the CANCEL SHOULD NOT be sent"', () => {
    const h = harness('UDP');
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow).respond(createResponse(req, 486, { toTag: 'b' }));
    const tx = h.alice.sendRequest(makeRequest('INVITE'), h.toBob, new RecordingUser(h.clock));
    assert.equal(h.alice.cancel(tx), 'pending');
    h.clock.advance(0);
    assert.equal(h.alice.cancel(tx), 'too-late');
    h.clock.advance(1000);
    assert.equal(h.net.packets({ method: 'CANCEL' }).length, 0);
  });

  test('a CANCEL that matches no transaction is answered 481 (§9.2)', () => {
    const h = harness('UDP');
    const cancel = makeRequest('CANCEL');
    const user = new RecordingUser(h.clock);
    h.alice.sendRequest(cancel, h.toBob, user);
    h.clock.advance(0);
    assert.deepEqual(user.statuses, [481]);
    assert.equal(h.bobCore.cancels.length, 0);
    assert.equal(h.bobCore.requests.length, 0);
  });
});

describe('server transaction matching (RFC 3261 §17.2.3)', () => {
  test('merged requests (§8.2.2.2): same From tag, Call-ID and CSeq, another branch, no To tag → the core can answer 482', () => {
    const h = harness('UDP');
    const merged: boolean[] = [];
    h.bobCore.onRequest = (req, inc) => {
      const isMerged = h.bob.isMergedRequest(req);
      merged.push(isMerged);
      const stx = h.bob.createServerTransaction(req, inc.flow);
      if (isMerged) stx.respond(createResponse(req, 482, { toTag: 'b' }));
      else stx.respond(createResponse(req, 180, { toTag: 'b' }));
    };
    // The same request forked by a proxy reaches bob twice, with two different branches.
    const first = makeRequest('INVITE', { callId: 'fork@x', fromTag: 'f1', cseq: 5 });
    const second = makeRequest('INVITE', { callId: 'fork@x', fromTag: 'f1', cseq: 5 });
    const u2 = new RecordingUser(h.clock);
    h.alice.sendRequest(first, h.toBob, new RecordingUser(h.clock));
    h.alice.sendRequest(second, h.toBob, u2);
    h.clock.advance(0);
    assert.deepEqual(merged, [false, true]);
    assert.deepEqual(u2.statuses, [482]);
  });

  test('a retransmission or a request with a To tag is not a merged request', () => {
    const h = harness('UDP');
    const merged: boolean[] = [];
    h.bobCore.onRequest = (req, inc) => {
      merged.push(h.bob.isMergedRequest(req));
      h.bob.createServerTransaction(req, inc.flow);
    };
    h.alice.sendRequest(makeRequest('INVITE', { callId: 'c@x', fromTag: 'f', cseq: 1 }), h.toBob);
    h.clock.advance(0);
    // A retransmission carries the branch of the transaction it matches.
    const stx = h.bob.findServerTransaction(h.bobCore.requests[0]!.message as SipRequest);
    assert.equal(h.bob.isMergedRequest(stx!.request), false);
    h.alice.sendRequest(makeRequest('INVITE', { callId: 'c@x', fromTag: 'f', cseq: 1, toTag: 't' }), h.toBob);
    h.clock.advance(0);
    assert.deepEqual(merged, [false, false]);
  });

  test('RFC 2543 matching (RFC 4475 inv2543): the retransmission is absorbed, the ACK matches by the To tag of the response', () => {
    const h = harness('UDP');
    const stxUser = new RecordingServerUser(h.clock);
    let stx: ServerInviteTransaction | undefined;
    h.bobCore.onRequest = (req, inc) => {
      stx = h.bob.createServerTransaction(req, inc.flow, stxUser) as ServerInviteTransaction;
      stx.respond(createResponse(req, 404, { toTag: 'bob404' }));
    };
    const inv = fixture('inv2543.sip');
    h.net.inject(inv, peer, bobAddr);
    h.net.inject(inv, peer, bobAddr);
    h.clock.advance(0);
    assert.equal(h.bobCore.requests.length, 1);
    assert.deepEqual(h.net.packets({ from: 'bob.test', status: 404 }).length, 2, 'the 404 was re-sent for the retransmission');
    assert.equal(stx!.state, TransactionState.Completed);
    const ackText = (toTag: string) =>
      bytes(
        'ACK sip:UserB@example.com SIP/2.0\r\nVia: SIP/2.0/UDP iftgw.example.com\r\n' +
          'From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n' +
          `To: sip:+16505552222@ss1.example.net;user=phone;tag=${toTag}\r\n` +
          'Call-ID: inv2543.1717@ift.client.example.com\r\nCSeq: 56 ACK\r\nContent-Length: 0\r\n\r\n',
      );
    // An ACK whose To tag is not the one bob sent does not match the transaction.
    h.net.inject(ackText('other'), peer, bobAddr);
    h.clock.advance(0);
    assert.equal(stx!.state, TransactionState.Completed);
    assert.equal(h.bobCore.acks.length, 1);
    h.net.inject(ackText('bob404'), peer, bobAddr);
    h.clock.advance(0);
    assert.equal(stx!.state, TransactionState.Confirmed);
  });

  test('RFC 2543 matching: a request with another CSeq is a new transaction', () => {
    const h = harness('UDP');
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow);
    const inv = new TextDecoder().decode(fixture('inv2543.sip'));
    h.net.inject(bytes(inv), peer, bobAddr);
    h.net.inject(bytes(inv.replace('CSeq: 56 INVITE', 'CSeq: 57 INVITE')), peer, bobAddr);
    h.clock.advance(0);
    assert.equal(h.bobCore.requests.length, 2);
  });

  test('a branch that is exactly "z9hG4bK" (RFC 4475 badbranch) is handled without crash by RFC 2543 matching', () => {
    const h = harness('UDP');
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow).respond(createResponse(req, 200, { toTag: 'b' }));
    const bad = new TextDecoder().decode(fixture('badbranch.sip'));
    h.net.inject(bytes(bad), peer, bobAddr);
    h.net.inject(bytes(bad), peer, bobAddr);
    // Another request with the same bare cookie branch and sent-by is not taken for a retransmission.
    h.net.inject(bytes(bad.replace('badbranch.sadonfo23i420jv0as0derf3j3n', 'badbranch.other')), peer, bobAddr);
    h.clock.advance(0);
    assert.equal(h.bobCore.requests.length, 2);
    assert.equal(h.net.packets({ from: 'bob.test', status: 200 }).length, 3);
  });

  test('the same branch from another sent-by is another transaction', () => {
    const h = harness('UDP');
    h.bobCore.onRequest = (req, inc) => h.bob.createServerTransaction(req, inc.flow);
    const text = (host: string) =>
      bytes(
        `OPTIONS sip:bob@bob.test SIP/2.0\r\nVia: SIP/2.0/UDP ${host};branch=z9hG4bKsame\r\nFrom: <sip:a@x>;tag=1\r\n` +
          'To: <sip:bob@bob.test>\r\nCall-ID: sb@x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
      );
    h.net.inject(text('p1.test'), peer, bobAddr);
    h.net.inject(text('p2.test'), peer, bobAddr);
    h.net.inject(text('p1.test'), peer, bobAddr);
    h.clock.advance(0);
    assert.equal(h.bobCore.requests.length, 2);
  });

  test('an ACK that matches no transaction goes to the core', () => {
    const h = harness('UDP');
    h.net.inject(
      bytes(
        'ACK sip:bob@bob.test SIP/2.0\r\nVia: SIP/2.0/UDP peer.test;branch=z9hG4bKstray\r\nFrom: <sip:a@x>;tag=1\r\n' +
          'To: <sip:bob@bob.test>;tag=2\r\nCall-ID: ack@x\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
      ),
      peer,
      bobAddr,
    );
    h.clock.advance(0);
    assert.equal(h.bobCore.acks.length, 1);
    assert.equal(h.bobCore.requests.length, 0);
  });
});

