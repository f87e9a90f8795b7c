import type { HeaderField } from '../header-field.js';
import { field, SipRequest } from '../message.js';

/**
 * Builds the CANCEL for a pending request, RFC 3261 §9.1: "The
 * Request-URI, Call-ID, To, the numeric part of CSeq, and From header
 * fields in the CANCEL request MUST be identical to those in the request
 * being cancelled, including tags. A CANCEL constructed by a client MUST
 * have only a single Via header field value matching the top Via value in
 * the request being cancelled." and "If the request being cancelled
 * contains a Route header field, the CANCEL request MUST include that
 * Route header field's values." `extra` adds headers such as Reason
 * (RFC 3326).
 */
export function createCancel(request: SipRequest, extra: ReadonlyArray<readonly [string, string]> = []): SipRequest {
  const headers: HeaderField[] = [];
  const topVia = request.getAll('via')[0];
  if (topVia === undefined) throw new Error('request without Via');
  headers.push(field('Via', topVia.trim()));
  for (const h of request.headers) {
    if (h.key === 'route' || h.key === 'from' || h.key === 'to' || h.key === 'call-id' || h.key === 'max-forwards') headers.push(h);
  }
  headers.push(field('CSeq', `${request.cseq().seq} CANCEL`));
  if (!headers.some((h) => h.key === 'max-forwards')) headers.push(field('Max-Forwards', '70'));
  for (const [n, v] of extra) headers.push(field(n, v));
  headers.push(field('Content-Length', '0'));
  return new SipRequest('CANCEL', request.uriString, headers);
}
