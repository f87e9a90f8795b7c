import { cpimContentType, parseCpim } from '../formats/cpim.js';
import { ISCOMPOSING_TYPE } from '../formats/iscomposing.js';
import { essence } from '../formats/media-type.js';
import type { SipRequest } from '../sip/message.js';

/**
 * RFC 3994 status messages, bare or wrapped in CPIM (RFC 3994 §3.5). They
 * are never stored and never trigger deferral (OMA IM digest §6.10): a
 * composing indication delivered hours later would be a lie.
 */
export function isComposingIndication(req: SipRequest): boolean {
  let ct;
  try {
    ct = req.contentType();
  } catch {
    return false;
  }
  if (ct === undefined) return false;
  const e = essence(ct);
  if (e === ISCOMPOSING_TYPE) return true;
  if (e !== 'message/cpim') return false;
  try {
    const inner = cpimContentType(parseCpim(req.body));
    return inner !== undefined && inner.split(';')[0]!.trim().toLowerCase() === ISCOMPOSING_TYPE;
  } catch {
    return false;
  }
}
