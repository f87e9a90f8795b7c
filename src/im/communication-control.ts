import { Params } from '../sip/params.js';
import type { SipRequest } from '../sip/message.js';

/**
 * The sender's communication-control preference (OMA IM digest §6.11,
 * UNCONFIRMED mapping, see docs/decisions.md "IM server"): RFC 3840's
 * `sip.actor` feature in an RFC 3841 Accept-Contact predicate.
 *   - "principal": deliver only to the user's own devices, never store;
 *   - "msg-taker": store at once and answer 202;
 *   - "none": deliver, and store when nobody can take it.
 */
export type CommunicationPreference = 'principal' | 'msg-taker' | 'none';

export interface CommunicationControl {
  readonly preference: CommunicationPreference;
  /**
   * The Accept-Contact values with the actor feature taken out: it names
   * who should take the message (the user or a message store), which the IM
   * server decides itself; no device registers `actor`, so leaving it in a
   * `require` predicate would match no device at all.
   */
  readonly acceptContact: readonly string[];
  /**
   * The sender asked for devices without the IM feature tag (a
   * Reject-Contact naming it): the IM server then adds no IM-device filter
   * of its own.
   */
  readonly rejectsImFeature: boolean;
}

const IM_FEATURE = '+g.oma.sip-im';

export function communicationControl(req: SipRequest): CommunicationControl {
  let preference: CommunicationPreference = 'none';
  let rejectsImFeature = false;
  const acceptContact: string[] = [];
  for (const value of req.getAll('accept-contact')) {
    const v = value.trim();
    if (!v.startsWith('*')) {
      acceptContact.push(value);
      continue;
    }
    let params: Params;
    try {
      params = Params.parse(v.slice(1));
    } catch {
      acceptContact.push(value);
      continue;
    }
    const actor = params.get('actor');
    if (actor === undefined) {
      acceptContact.push(value);
      continue;
    }
    const a = (actor ?? '').replace(/^"|"$/g, '').toLowerCase();
    if (a === 'principal' || a === 'msg-taker') preference = a;
    const rest = params.clone().delete('actor');
    // A predicate left with nothing but "require"/"explicit" constrains nothing.
    if (rest.list.some((p) => !['require', 'explicit'].includes(p.name.toLowerCase()))) acceptContact.push('*' + rest.toString());
  }
  for (const value of req.getAll('reject-contact')) {
    try {
      if (Params.parse(value.trim().replace(/^\*/, '')).has(IM_FEATURE)) rejectsImFeature = true;
    } catch {
      // The core refuses a malformed predicate when it applies caller preferences.
    }
  }
  return { preference, acceptContact, rejectsImFeature };
}
