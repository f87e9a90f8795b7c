import { isCallId } from './chars.js';
import type { SipRequest, SipResponse } from './message.js';
import { SipParseError } from './parse-error.js';

/**
 * Checks what every request must carry before a transaction layer may use
 * it (RFC 3261 §8.1.1, §8.2): a well-formed Request-URI without headers,
 * Via, From, To, Call-ID, CSeq (one each where one is required) with the
 * request's method, and well-formed Max-Forwards, Contact, Route and
 * Content-Type. Throws SipParseError naming the first problem.
 */
export function validateRequest(req: SipRequest): void {
  const uri = req.uri;
  // RFC 3261 §19.1.5: headers are not allowed in a Request-URI (RFC 4475 escruri).
  if ((uri.scheme === 'sip' || uri.scheme === 'sips') && 'headers' in uri && uri.headers.length > 0) {
    throw new SipParseError('Request-URI must not contain headers');
  }
  validateCommon(req);
  const cseq = req.cseq();
  if (cseq.method !== req.method) throw new SipParseError('CSeq method does not match the Request-Line');
  req.maxForwards();
  req.contacts();
  req.routes();
  req.recordRoutes();
}

/** The response counterpart (RFC 3261 §8.1.3.3); a response that fails is discarded. */
export function validateResponse(res: SipResponse): void {
  validateCommon(res);
  res.contacts();
}

function validateCommon(m: SipRequest | SipResponse): void {
  if (m.vias().length === 0) throw new SipParseError('missing Via header');
  m.from();
  m.to();
  const id = m.callId();
  if (!isCallId(id)) throw new SipParseError('bad Call-ID');
  m.cseq();
  m.contentType();
}
