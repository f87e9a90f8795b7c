import type { SipRequest, SipResponse } from '../message.js';
import { flatString } from '../ids.js';
import { formatVia, MAGIC_COOKIE, viaBranch, type Via } from '../via.js';

/**
 * True when a branch is an RFC 3261 transaction id: it starts with the
 * magic cookie (§17.2.3) and has something after it. A branch that is the
 * cookie alone (RFC 4475 §3.2.1 "badbranch") identifies nothing, so such
 * requests fall back to RFC 2543 matching, as RFC 4475 allows.
 */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.length > MAGIC_COOKIE.length && branch.startsWith(MAGIC_COOKIE);
}

function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/** The method a request is matched under: "except for ACK, where the method of the request that created the transaction is INVITE" (§17.2.3). */
function matchMethod(method: string): string {
  return method === 'ACK' ? 'INVITE' : method;
}

/**
 * The client transaction key, RFC 3261 §17.1.3: the branch of the top Via
 * and the CSeq method ("a CANCEL request constitutes a different
 * transaction, but shares the same value of the branch parameter").
 */
export function clientTransactionKey(branch: string, method: string): string {
  return flatString(`c|${branch}|${method}`);
}

/** The key of the client transaction a response belongs to, or undefined when it has no branch. */
export function responseTransactionKey(response: SipResponse): string | undefined {
  const branch = viaBranch(response.topVia());
  if (branch === undefined) return undefined;
  return clientTransactionKey(branch, response.cseq().method);
}

/**
 * The key of the server transaction a request belongs to, RFC 3261 §17.2.3.
 * With an RFC 3261 branch: branch, sent-by of the top Via and method (ACK
 * counts as INVITE). Without one, the RFC 2543 rule: "the Request-URI, To
 * tag, From tag, Call-ID, CSeq, and top Via header field match those of
 * the INVITE request which created the transaction". The To tag is left
 * out of the key and checked by `rfc2543ToTagMatches`, because an ACK
 * carries the tag of the response, not of the INVITE.
 *
 * `asMethod` overrides the method: CANCEL looks for the INVITE it cancels
 * (§9.2: "the transaction matching procedures of Section 17.2.3").
 */
export function serverTransactionKey(request: SipRequest, asMethod?: string): string {
  const via = request.topVia();
  const method = asMethod ?? matchMethod(request.method);
  const branch = viaBranch(via);
  if (isRfc3261Branch(branch)) return flatString(`s|${branch}|${sentBy(via)}|${method}`);
  const cseq = request.cseq();
  const fromTag = request.from().params.get('tag') ?? '';
  return flatString(`o|${request.uriString}|${fromTag}|${request.callId()}|${cseq.seq}|${formatVia(via)}|${method}`);
}

export function isRfc2543Key(key: string): boolean {
  return key.startsWith('o|');
}

/**
 * The To-tag part of RFC 2543 matching. A retransmitted request carries the
 * To of the original; an ACK "matches a transaction if ... the To tag of
 * the ACK matches the To tag of the response sent by the server transaction".
 */
export function rfc2543ToTagMatches(request: SipRequest, original: SipRequest, lastResponse: SipResponse | undefined): boolean {
  const tag = request.to().params.get('tag') ?? '';
  if (request.method === 'ACK' && original.method !== 'ACK') {
    const sent = lastResponse?.to().params.get('tag') ?? '';
    return tag === sent;
  }
  return tag === (original.to().params.get('tag') ?? '');
}
