import { applyCallerPreferences, featureParams } from '../core/caller-preferences.js';
import type { LocalRequest } from '../core/sip-core.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { createResponse } from '../sip/response.js';
import { newTag } from '../sip/ids.js';
import type { Binding } from '../store/bindings.js';
import type { AccessControl } from './access-control.js';
import { communicationControl, type CommunicationControl } from './communication-control.js';
import type { DeferredInbox } from './deferred-inbox.js';
import { isComposingIndication } from './message-kind.js';
import { checkPagerSize, type PagerLimits } from './pager-limits.js';

export interface TerminatingFunctionOptions {
  readonly access: AccessControl;
  readonly inbox: DeferredInbox;
  readonly limits: PagerLimits;
}

/** A contact that registered the OMA IM feature tag (digest §6.1): an IM-capable device. */
export function isImCapable(b: Binding): boolean {
  return featureParams(b.params).has('+g.oma.sip-im');
}

/**
 * A contact that declared no OMA or 3GPP service (no "+g." feature tag) is
 * a generic SIP client (JsSIP, linphone, baresip): RFC 3841 §7.2.4 lets a
 * contact that says nothing about a feature match it implicitly. A contact
 * that declared other services (e.g. "+g.oma.sip-poc") but not IM has said
 * what it does, and is not an IM device.
 */
export function declaresNoService(b: Binding): boolean {
  return featureParams(b.params).list.every((p) => !p.name.toLowerCase().startsWith('+g.'));
}

/**
 * The devices that take pager-mode messages (docs/decisions.md "IM server"):
 * the IM-capable ones; when the user has none, the generic SIP clients
 * (declaresNoService); never a device that declared other services only.
 */
export function imDevices(bindings: readonly Binding[]): Binding[] {
  const im = bindings.filter(isImCapable);
  return im.length > 0 ? im : bindings.filter(declaresNoService);
}

/**
 * The recipient's terminating participating function (OMA IM digest §8.3):
 * access control for MESSAGE and INVITE, pager-mode size for requests from
 * other domains, the choice of devices (IM-capable ones, after the sender's
 * caller preferences without the actor feature), and the deferred store
 * when nobody can take a pager-mode message.
 */
export class TerminatingFunction {
  private readonly control = new WeakMap<SipRequest, CommunicationControl>();

  constructor(private readonly o: TerminatingFunctionOptions) {}

  /** CoreHooks.beforeLocation: true when the request has been answered. */
  async beforeLocation(r: LocalRequest): Promise<boolean> {
    const req = r.request;
    if (this.o.access.applies(req) && !(await this.o.access.allows(req, r.target, r.originator))) {
      // Decided before the location service is read, and the same answer
      // whether or not the user is registered: a rejected sender learns
      // nothing about the recipient's devices (docs/decisions.md).
      r.tx.respond(createResponse(req, 403, { toTag: newTag(), reason: 'Forbidden' }));
      return true;
    }
    if (req.method !== 'MESSAGE') return false;
    if (r.originator === null) {
      // Requests from our own users were measured by their originating function.
      const size = checkPagerSize(req, r.incoming.flow.protocol, this.o.limits);
      if (!size.ok) {
        r.tx.respond(createResponse(req, size.status, { toTag: newTag(), reason: size.reason }));
        return true;
      }
    }
    if (this.controlOf(req).preference === 'msg-taker' && !isComposingIndication(req)) {
      // Digest §6.11: "deferred behaviour wanted": store at once.
      r.tx.respond(await this.o.inbox.accept(req, r.target, r.originator));
      return true;
    }
    return false;
  }

  /** CoreHooks.selectBindings: a MESSAGE goes to the recipient's IM-capable devices. */
  selectBindings(r: LocalRequest, all: readonly Binding[]): readonly Binding[] | undefined {
    const req = r.request;
    if (req.method !== 'MESSAGE') return undefined;
    const cc = this.controlOf(req);
    const chosen = applyCallerPreferences(all, (b) => featureParams(b.params), cc.acceptContact, req.getAll('reject-contact'));
    return cc.rejectsImFeature ? chosen : imDevices(chosen);
  }

  /** CoreHooks.onUnreachable: store the message and answer 202, unless it must not be stored. */
  async onUnreachable(r: LocalRequest, _failure: SipResponse): Promise<SipResponse | undefined> {
    const req = r.request;
    if (req.method !== 'MESSAGE' || isComposingIndication(req)) return undefined;
    // Digest §6.11: "presence of principal wanted": "Never store", the 480 goes back.
    if (this.controlOf(req).preference === 'principal') return undefined;
    return this.o.inbox.accept(req, r.target, r.originator);
  }

  private controlOf(req: SipRequest): CommunicationControl {
    let cc = this.control.get(req);
    if (cc === undefined) {
      cc = communicationControl(req);
      this.control.set(req, cc);
    }
    return cc;
  }
}
