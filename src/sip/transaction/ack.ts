import type { HeaderField } from '../header-field.js';
import { field, SipRequest, type SipResponse } from '../message.js';

/**
 * The ACK a client INVITE transaction sends for a non-2xx final response,
 * RFC 3261 §17.1.1.3: Request-URI, Call-ID and From as in the INVITE; To
 * from the response ("and therefore will usually differ ... by the
 * addition of the tag parameter"); "a single Via header field ... equal to
 * the top Via header field of the original request"; the INVITE's CSeq
 * number with method ACK; and "If the INVITE request whose response is
 * being acknowledged had Route header fields, those header fields MUST
 * appear in the ACK." Header lines are copied as they are, so they go out
 * byte for byte.
 */
export function createNonSuccessAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers: HeaderField[] = [];
  const topVia = invite.getAll('via')[0];
  if (topVia === undefined) throw new Error('INVITE without Via');
  headers.push(field('Via', topVia.trim()));
  for (const h of invite.headers) {
    if (h.key === 'route' || h.key === 'from' || h.key === 'call-id' || h.key === 'max-forwards') headers.push(h);
  }
  const to = response.headers.find((h) => h.key === 'to');
  if (to !== undefined) headers.push(to);
  headers.push(field('CSeq', `${invite.cseq().seq} ACK`));
  if (!headers.some((h) => h.key === 'max-forwards')) headers.push(field('Max-Forwards', '70'));
  headers.push(field('Content-Length', '0'));
  return new SipRequest('ACK', invite.uriString, headers);
}
