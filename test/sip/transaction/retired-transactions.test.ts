import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createResponse } from '../../../src/sip/response.js';
import { serializeMessage } from '../../../src/sip/serializer.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { TransactionState } from '../../../src/sip/transaction/transaction-state.js';
import { harness, makeRequest, RecordingServerUser, RecordingUser, type Harness } from './harness.js';

const PEER = { address: 'peer.test', port: 5070 };
const BOB = { address: 'bob.test', port: 5060 };

/** A request from a peer the test plays by hand, with its own branch. */
function peerRequest(method: string, branch: string): Uint8Array {
  const req = makeRequest(method);
  req.prepend('Via', `SIP/2.0/UDP peer.test:5070;branch=z9hG4bK${branch}`);
  return serializeMessage(req);
}

function responsesToPeer(h: Harness): string[] {
  return h.net.packets({ from: 'bob.test', to: 'peer.test' }).map((p) => new TextDecoder().decode(p.bytes));
}

type ServerTx = ReturnType<Harness['bob']['createServerTransaction']>;

/** Bob's core answers every new request 200, with a fixed To tag; returns the transactions it made. */
function answer200(h: Harness): ServerTx[] {
  const made: ServerTx[] = [];
  h.bobCore.onRequest = (req, inc) => {
    const tx = h.bob.createServerTransaction(req, inc.flow);
    tx.respond(createResponse(req, 200, { toTag: 'b1' }));
    made.push(tx);
  };
  return made;
}

/** A full collection, when the engine lets the test ask for one. */
function collector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

describe('Completed transactions kept compact (RFC 3261 §17.2.2, §17.1.2.2)', () => {
  test('a retransmitted request after the final response gets the same response bytes, also once the transaction object is gone', async (t) => {
    const h = harness('UDP');
    let made: ServerTx[] | undefined = answer200(h);
    const bytes = peerRequest('MESSAGE', 'retx1');
    h.net.inject(bytes, PEER, BOB);
    h.clock.advance(0);
    assert.equal(h.bobCore.requests.length, 1);
    h.net.inject(bytes, PEER, BOB);
    h.clock.advance(1000);
    let sent = responsesToPeer(h);
    assert.equal(sent.length, 2);
    assert.equal(sent[1], sent[0]);
    assert.equal(h.bobCore.requests.length, 1, 'the retransmission is absorbed, not passed to the core');

    const gc = collector();
    if (gc === undefined) return t.skip('no way to force a collection here');
    // Nothing but the layer knew the transaction: after a collection only its compact form is left.
    h.bobCore.requests.length = 0;
    made = undefined;
    await new Promise((r) => setImmediate(r));
    gc();
    h.net.inject(bytes, PEER, BOB);
    h.clock.advance(0);
    sent = responsesToPeer(h);
    assert.equal(sent.length, 3);
    assert.equal(sent[2], sent[0]);
    assert.equal(h.bobCore.requests.length, 0);
  });

  test('Timer J still ends the transaction at 64·T1: a copy of the request after that is a new request', () => {
    const h = harness('UDP');
    const made = answer200(h);
    const bytes = peerRequest('MESSAGE', 'timerj');
    h.net.inject(bytes, PEER, BOB);
    h.clock.advance(0);
    assert.equal(h.bob.serverTransactionCount, 1);
    h.clock.advance(31_999);
    assert.equal(h.bob.serverTransactionCount, 1);
    h.net.inject(bytes, PEER, BOB);
    h.clock.advance(0);
    assert.equal(h.bobCore.requests.length, 1);
    assert.equal(made[0]!.state, TransactionState.Completed);
    h.clock.advance(1);
    assert.equal(h.bob.serverTransactionCount, 0);
    assert.equal(made[0]!.state, TransactionState.Terminated, 'a transaction nobody listens to still reads Terminated');
    assert.equal(h.clock.pending, 0, 'no timer is left behind');
    h.net.inject(bytes, PEER, BOB);
    h.clock.advance(0);
    assert.equal(h.bobCore.requests.length, 2);
  });

  test('a transaction user still hears of the end at Timer J, and the transaction object reads Terminated', () => {
    const h = harness('UDP');
    const user = new RecordingServerUser(h.clock);
    let tx: ReturnType<Harness['bob']['createServerTransaction']> | undefined;
    h.bobCore.onRequest = (req, inc) => {
      tx = h.bob.createServerTransaction(req, inc.flow, user);
      tx.respond(createResponse(req as SipRequest, 404, { toTag: 'b2' }));
    };
    h.net.inject(peerRequest('OPTIONS', 'tu'), PEER, BOB);
    h.clock.advance(0);
    assert.equal(tx!.state, TransactionState.Completed);
    h.clock.advance(32_000);
    assert.equal(user.terminatedAt! - h.t0, 32_000);
    assert.equal(tx!.state, TransactionState.Terminated);
  });

  test('a client transaction in Completed absorbs response retransmissions until Timer K (T4)', () => {
    const h = harness('UDP');
    answer200(h);
    const user = new RecordingUser(h.clock);
    const tx = h.alice.sendRequest(makeRequest('MESSAGE'), h.toBob, user);
    h.clock.advance(0);
    assert.equal(tx.state, TransactionState.Completed);
    // The 200 comes again (as if bob had seen a retransmission): absorbed, not handed up as stray.
    const ok = h.net.packets({ from: 'bob.test', status: 200 })[0]!;
    h.net.inject(ok.bytes, BOB, { address: 'alice.test', port: 5060 });
    h.clock.advance(0);
    assert.deepEqual(user.statuses, [200]);
    assert.equal(h.aliceCore.stray.length, 0);
    h.clock.advance(4_999);
    assert.equal(h.alice.clientTransactionCount, 1);
    h.clock.advance(1);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(user.terminatedAt! - h.t0, 5_000);
    assert.equal(h.alice.clientTransactionCount, 0);
  });
});
