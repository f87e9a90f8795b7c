import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog } from '../../../src/sip/dialog/dialog.js';
import { dialogIdOfRequest, dialogIdOfResponse, dialogKey } from '../../../src/sip/dialog/dialog-id.js';
import { DialogState } from '../../../src/sip/dialog/dialog-state.js';
import { field, SipRequest, type SipResponse } from '../../../src/sip/message.js';
import { createResponse } from '../../../src/sip/response.js';
import { formatUri } from '../../../src/sip/uri.js';

function invite(opts: { uri?: string; recordRoute?: string[]; cseq?: number; contact?: string } = {}): SipRequest {
  return new SipRequest('INVITE', opts.uri ?? 'sip:bob@example.com', [
    field('Via', 'SIP/2.0/UDP alice.test:5060;branch=z9hG4bKinv1'),
    ...(opts.recordRoute ?? []).map((r) => field('Record-Route', r)),
    field('Max-Forwards', '70'),
    field('From', '"Alice" <sip:alice@example.com>;tag=atag'),
    field('To', 'Bob <sip:bob@example.com>'),
    field('Call-ID', 'dlg-1@alice.test'),
    field('CSeq', `${opts.cseq ?? 101} INVITE`),
    field('Contact', opts.contact ?? '<sip:alice@192.0.2.1:5060>'),
  ]).clone();
}

function answer(req: SipRequest, status: number, opts: { contact?: string; recordRoute?: string[]; tag?: string } = {}): SipResponse {
  const res = createResponse(req, status, { toTag: opts.tag ?? 'btag' });
  for (const r of opts.recordRoute ?? req.getAll('Record-Route')) res.append('Record-Route', r);
  res.append('Contact', opts.contact ?? '<sip:bob@192.0.2.2:5070>');
  return res;
}

/** A fixed random source: every octet is `v`. */
const fixed = (v: number) => (b: Uint8Array) => b.fill(v);

const RR = ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr;ftag=x>'];

describe('dialog creation (RFC 3261 §12.1)', () => {
  test('UAC (§12.1.2): dialog ID from the Call-ID, From tag and To tag; route set = Record-Route reversed; remote target = Contact of the 2xx', () => {
    const req = invite({ recordRoute: RR });
    const d = Dialog.asUac(req, answer(req, 200));
    assert.deepEqual(d.id, { callId: 'dlg-1@alice.test', localTag: 'atag', remoteTag: 'btag' });
    assert.equal(d.state, DialogState.Confirmed);
    assert.deepEqual(d.routeSet, [RR[1], RR[0]]);
    assert.equal(formatUri(d.remoteTarget), 'sip:bob@192.0.2.2:5070');
    assert.equal(d.localSeq, 101);
    assert.equal(d.remoteSeq, undefined, 'The remote sequence number MUST be empty');
    assert.equal(formatUri(d.localUri.uri), 'sip:alice@example.com');
    assert.equal(formatUri(d.remoteUri.uri), 'sip:bob@example.com');
    assert.equal(d.secure, false);
  });

  test('UAC: a 1xx with a To tag creates an early dialog; a 1xx without one creates none', () => {
    const req = invite();
    assert.equal(Dialog.asUac(req, answer(req, 180)).state, DialogState.Early);
    const untagged = createResponse(req, 180);
    untagged.append('Contact', '<sip:bob@192.0.2.2>');
    assert.throws(() => Dialog.asUac(req, untagged));
  });

  test('UAS (§12.1.1): local tag from the response To, remote tag from the request From; route set = Record-Route in order; remote target = Contact of the request', () => {
    const req = invite({ recordRoute: RR });
    const d = Dialog.asUas(req, answer(req, 200, { tag: 'uas1' }));
    assert.deepEqual(d.id, { callId: 'dlg-1@alice.test', localTag: 'uas1', remoteTag: 'atag' });
    assert.deepEqual(d.routeSet, RR);
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.1:5060');
    assert.equal(d.remoteSeq, 101);
    assert.equal(d.localSeq, undefined, 'The local sequence number MUST be empty');
    assert.equal(formatUri(d.localUri.uri), 'sip:bob@example.com');
  });

  test('the secure flag is set when the request went over TLS with a SIPS Request-URI', () => {
    const req = invite({ uri: 'sips:bob@example.com' });
    assert.equal(Dialog.asUas(req, answer(req, 200), { receivedOverTls: true }).secure, true);
    assert.equal(Dialog.asUas(req, answer(req, 200), { receivedOverTls: false }).secure, false);
    assert.equal(Dialog.asUac(req, answer(req, 200), { sentOverTls: true }).secure, true);
    const plain = invite();
    assert.equal(Dialog.asUac(plain, answer(plain, 200), { sentOverTls: true }).secure, false);
  });

  test('dialog ids of in-dialog messages line up on both sides', () => {
    const req = invite();
    const res = answer(req, 200);
    const uac = Dialog.asUac(req, res);
    const uas = Dialog.asUas(req, res);
    assert.equal(dialogKey(dialogIdOfResponse(res)), uac.key);
    const bye = uac.createRequest('BYE');
    assert.equal(dialogKey(dialogIdOfRequest(bye)!), uas.key);
    assert.equal(dialogIdOfRequest(req), undefined, 'a request without a To tag is outside any dialog');
  });
});

describe('requests within a dialog (RFC 3261 §12.2.1.1)', () => {
  test('From, To (with tags), Call-ID from the dialog; local CSeq increases by one per request; the ACK for a 2xx keeps the INVITE\'s number', () => {
    const req = invite({ cseq: 7 });
    const d = Dialog.asUac(req, answer(req, 200));
    const ack = d.createAck(req);
    assert.deepEqual(ack.cseq(), { seq: 7, method: 'ACK' });
    const info = d.createRequest('INFO');
    const bye = d.createRequest('BYE');
    assert.deepEqual(info.cseq(), { seq: 8, method: 'INFO' });
    assert.deepEqual(bye.cseq(), { seq: 9, method: 'BYE' });
    assert.equal(bye.from().params.get('tag'), 'atag');
    assert.equal(bye.from().displayName, 'Alice');
    assert.equal(bye.to().params.get('tag'), 'btag');
    assert.equal(bye.callId(), 'dlg-1@alice.test');
    assert.equal(bye.has('Via'), false, 'the transaction layer adds the Via');
    assert.throws(() => d.createRequest('ACK'));
  });

  test('a UAS with an empty local sequence number chooses an initial value below 2**31', () => {
    const req = invite();
    const d = Dialog.asUas(req, answer(req, 200), { random: fixed(0xff) });
    const first = d.createRequest('BYE').cseq().seq;
    assert.ok(first > 0 && first < 2 ** 31);
    assert.equal(first, 0xffffff + 1);
  });

  test('the ACK for a 2xx carries the INVITE\'s credentials', () => {
    const req = invite();
    req.append('Proxy-Authorization', 'Digest username="alice", realm="x", nonce="n", uri="sip:bob@example.com", response="r"');
    const d = Dialog.asUac(req, answer(req, 200));
    assert.equal(d.createAck(req).get('Proxy-Authorization'), req.get('Proxy-Authorization'));
    assert.equal(d.createRequest('BYE').has('Proxy-Authorization'), false);
  });

  test('empty route set: Request-URI = remote target and no Route', () => {
    const req = invite();
    const bye = Dialog.asUac(req, answer(req, 200)).createRequest('BYE');
    assert.equal(bye.uriString, 'sip:bob@192.0.2.2:5070');
    assert.equal(bye.has('Route'), false);
  });

  test('loose routing: the first route has lr, so Request-URI = remote target and Route = the route set in order', () => {
    const req = invite({ recordRoute: RR });
    const bye = Dialog.asUac(req, answer(req, 200)).createRequest('BYE');
    assert.equal(bye.uriString, 'sip:bob@192.0.2.2:5070');
    assert.deepEqual(bye.getAll('Route'), [RR[1], RR[0]]);
  });

  test('strict routing: Request-URI = first route (without parameters a Request-URI may not carry); Route = the rest, then the remote target', () => {
    const rr = ['<sip:strict.example.com;maddr=192.0.2.9;method=INVITE>', '<sip:loose.example.com;lr>'];
    const req = invite({ recordRoute: rr });
    // As UAS the route set is the Record-Route in order: the strict router comes first.
    const d = Dialog.asUas(req, answer(req, 200));
    const bye = d.createRequest('BYE');
    assert.equal(bye.uriString, 'sip:strict.example.com;maddr=192.0.2.9');
    assert.deepEqual(bye.getAll('Route'), ['<sip:loose.example.com;lr>', '<sip:alice@192.0.2.1:5060>']);
  });

  test('target refresh requests carry the local Contact', () => {
    const req = invite();
    const d = Dialog.asUac(req, answer(req, 200), { localContact: '<sip:alice@192.0.2.1:5060>' });
    assert.equal(d.createRequest('INVITE').get('Contact'), '<sip:alice@192.0.2.1:5060>');
    assert.equal(d.createRequest('UPDATE').get('Contact'), '<sip:alice@192.0.2.1:5060>');
    assert.equal(d.createRequest('BYE').has('Contact'), false);
  });
});

describe('requests and responses received within a dialog (RFC 3261 §12.2)', () => {
  function uasDialog(): { d: Dialog; uac: Dialog } {
    const req = invite({ cseq: 10 });
    const res = answer(req, 200);
    return { d: Dialog.asUas(req, res), uac: Dialog.asUac(req, res) };
  }

  test('a request with a lower CSeq than the remote sequence number is out of order and rejected with 500', () => {
    const { d, uac } = uasDialog();
    const a = uac.createRequest('INFO'); // 11
    const b = uac.createRequest('INFO'); // 12
    assert.deepEqual(d.receiveRequest(b), { accept: true });
    assert.equal(d.remoteSeq, 12);
    const verdict = d.receiveRequest(a);
    assert.equal(verdict.accept, false);
    assert.equal(!verdict.accept && verdict.status, 500);
    assert.equal(d.remoteSeq, 12);
  });

  test('an empty remote sequence number is set by the first request; ACK and CANCEL are not counted', () => {
    const req = invite({ cseq: 10 });
    const res = answer(req, 200);
    const uac = Dialog.asUac(req, res);
    const uasSide = Dialog.asUas(req, res);
    // Bob (UAS) sends a request; alice's dialog (UAC side, remote sequence number empty) takes its number.
    const fromBob = uasSide.createRequest('INFO');
    assert.equal(uac.remoteSeq, undefined);
    assert.deepEqual(uac.receiveRequest(fromBob), { accept: true });
    assert.equal(uac.remoteSeq, fromBob.cseq().seq);
    const lateAck = uac.createAck(req);
    assert.deepEqual(uasSide.receiveRequest(lateAck), { accept: true });
    assert.equal(uasSide.remoteSeq, 10);
  });

  test('UAS: a re-INVITE (target refresh) replaces the remote target with its Contact; a non-refresh request does not', () => {
    const { d, uac } = uasDialog();
    const info = uac.createRequest('INFO', { headers: [['Contact', '<sip:alice@198.51.100.1>']] });
    d.receiveRequest(info);
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@192.0.2.1:5060');
    uac.localContact = '<sip:alice@198.51.100.7:5062>';
    d.receiveRequest(uac.createRequest('INVITE'));
    assert.equal(formatUri(d.remoteTarget), 'sip:alice@198.51.100.7:5062');
  });

  test('UAC: the 2xx to a re-INVITE or UPDATE replaces the remote target with its Contact', () => {
    const { uac } = uasDialog();
    const reinvite = uac.createRequest('INVITE');
    uac.receiveResponse(reinvite, answer(reinvite, 200, { contact: '<sip:bob@203.0.113.5>' }));
    assert.equal(formatUri(uac.remoteTarget), 'sip:bob@203.0.113.5');
    const update = uac.createRequest('UPDATE');
    uac.receiveResponse(update, answer(update, 488, { contact: '<sip:bob@203.0.113.6>' }));
    assert.equal(formatUri(uac.remoteTarget), 'sip:bob@203.0.113.5', 'only a 2xx refreshes the target');
    uac.receiveResponse(update, answer(update, 200, { contact: '<sip:bob@203.0.113.6>' }));
    assert.equal(formatUri(uac.remoteTarget), 'sip:bob@203.0.113.6');
  });

  test('an early dialog is confirmed by the 2xx, whose Record-Route recomputes the route set', () => {
    const req = invite({ recordRoute: ['<sip:p1.example.com;lr>'] });
    const d = Dialog.asUac(req, answer(req, 183));
    assert.deepEqual(d.routeSet, ['<sip:p1.example.com;lr>']);
    d.receiveResponse(req, answer(req, 200, { recordRoute: ['<sip:p1.example.com;lr>', '<sip:p9.example.com;lr>'] }));
    assert.equal(d.state, DialogState.Confirmed);
    assert.deepEqual(d.routeSet, ['<sip:p9.example.com;lr>', '<sip:p1.example.com;lr>']);
  });

  test('a non-2xx final response to the INVITE terminates the early dialogs it created (§12.3)', () => {
    const req = invite();
    const uac = Dialog.asUac(req, answer(req, 180));
    uac.receiveResponse(req, answer(req, 486));
    assert.equal(uac.state, DialogState.Terminated);
    const uas = Dialog.asUas(req, answer(req, 180));
    uas.responseSent(answer(req, 486));
    assert.equal(uas.state, DialogState.Terminated);
    const confirmed = Dialog.asUas(req, answer(req, 180));
    confirmed.responseSent(answer(req, 200));
    assert.equal(confirmed.state, DialogState.Confirmed);
  });

  test('a 481 or 408 to a request within the dialog terminates it (§12.2.1.2)', () => {
    const { uac } = uasDialog();
    const info = uac.createRequest('INFO');
    uac.receiveResponse(info, createResponse(info, 481));
    assert.equal(uac.state, DialogState.Terminated);
    assert.throws(() => uac.createRequest('INFO'));
  });

  test('a BYE terminates the dialog on both sides', () => {
    const { d, uac } = uasDialog();
    const bye = uac.createRequest('BYE');
    assert.deepEqual(d.receiveRequest(bye), { accept: true });
    assert.equal(d.state, DialogState.Terminated);
    uac.receiveResponse(bye, createResponse(bye, 200));
    assert.equal(uac.state, DialogState.Terminated);
  });
});
