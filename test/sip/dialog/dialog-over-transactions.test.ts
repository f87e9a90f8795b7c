import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog } from '../../../src/sip/dialog/dialog.js';
import { dialogIdOfRequest, dialogKey } from '../../../src/sip/dialog/dialog-id.js';
import { DialogState } from '../../../src/sip/dialog/dialog-state.js';
import { newTag } from '../../../src/sip/ids.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { createResponse } from '../../../src/sip/response.js';
import type { ServerInviteTransaction } from '../../../src/sip/transaction/server-invite-transaction.js';
import { viaBranch } from '../../../src/sip/via.js';
import { harness, makeRequest, RecordingUser } from '../transaction/harness.js';

describe('a call set up and torn down over the loop transport (RFC 3261 §12, §13, §15)', () => {
  test('1xx with tag → early dialogs; 2xx → confirmed; the UAC core ACKs the 2xx with a new branch; BYE ends both dialogs', () => {
    const h = harness('UDP');
    const bobTag = newTag();
    let bobDialog: Dialog | undefined;
    let inviteTx: ServerInviteTransaction | undefined;
    h.bobCore.onRequest = (req, inc) => {
      const stx = h.bob.createServerTransaction(req, inc.flow);
      if (req.method === 'INVITE') {
        inviteTx = stx as ServerInviteTransaction;
        const ringing = createResponse(req, 180, { toTag: bobTag, headers: [['Contact', '<sip:bob@bob.test>']] });
        // §12.1.1: the UAS creates the dialog when it sends a 1xx with a tag.
        bobDialog = Dialog.asUas(req, ringing, { localContact: '<sip:bob@bob.test>' });
        stx.respond(ringing);
        return;
      }
      // In-dialog requests: find the dialog by id, apply §12.2.2.
      const id = dialogIdOfRequest(req);
      assert.equal(id && dialogKey(id), bobDialog!.key);
      const verdict = bobDialog!.receiveRequest(req);
      stx.respond(createResponse(req, verdict.accept ? 200 : verdict.status));
    };

    const dialogs = new Map<string, Dialog>();
    let invite: SipRequest | undefined;
    const user = new RecordingUser(h.clock);
    user.receiveResponse = (res) => {
      user.responses.push({ at: h.clock.now(), response: res });
      const tag = res.to().params.get('tag');
      if (tag == null) return;
      const existing = [...dialogs.values()].find((d) => d.id.remoteTag === tag);
      if (existing === undefined) dialogs.set(tag, Dialog.asUac(invite!, res));
      else existing.receiveResponse(invite!, res);
      if (res.status >= 200 && res.status < 300) {
        // §13.2.2.4: "The UAC core MUST generate an ACK request for each 2xx received from the transaction layer."
        void h.alice.sendStateless(dialogs.get(tag)!.createAck(invite!), h.toBob);
      }
    };
    invite = makeRequest('INVITE', { cseq: 1 });
    h.alice.sendRequest(invite, h.toBob, user);
    h.clock.advance(0);
    const aliceDialog = dialogs.get(bobTag)!;
    assert.equal(aliceDialog.state, DialogState.Early);
    assert.equal(bobDialog!.state, DialogState.Early);
    assert.deepEqual(aliceDialog.id, { callId: bobDialog!.id.callId, localTag: bobDialog!.id.remoteTag, remoteTag: bobDialog!.id.localTag });

    const ok = createResponse(inviteTx!.request, 200, { toTag: bobTag, headers: [['Contact', '<sip:bob@bob.test>']] });
    bobDialog!.responseSent(ok);
    inviteTx!.respond(ok);
    h.clock.advance(0);
    assert.equal(aliceDialog.state, DialogState.Confirmed);
    assert.equal(bobDialog!.state, DialogState.Confirmed);
    // The ACK for the 2xx is a transaction of its own: new branch, so it reaches bob's core, not the INVITE transaction.
    assert.equal(h.bobCore.acks.length, 1);
    const ack = h.bobCore.acks[0]!;
    assert.notEqual(viaBranch(ack.topVia()), viaBranch(invite.topVia()));
    assert.deepEqual(ack.cseq(), { seq: 1, method: 'ACK' });
    assert.equal(ack.uriString, 'sip:bob@bob.test', 'sent to the remote target');

    const bye = aliceDialog.createRequest('BYE');
    const byeUser = new RecordingUser(h.clock);
    byeUser.receiveResponse = (res) => aliceDialog.receiveResponse(bye, res);
    h.alice.sendRequest(bye, h.toBob, byeUser);
    h.clock.advance(0);
    assert.deepEqual(bye.cseq(), { seq: 2, method: 'BYE' });
    assert.equal(bobDialog!.state, DialogState.Terminated);
    assert.equal(aliceDialog.state, DialogState.Terminated);
  });
});
