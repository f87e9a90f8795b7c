import type { SipRequest, SipResponse } from '../message.js';

/**
 * RFC 3261 §12: "A dialog is identified at each UA with a dialog ID, which
 * consists of a Call-ID value, a local tag and a remote tag." A missing
 * tag (an RFC 2543 peer) is the empty string, the RFC's "null".
 */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** A string form, usable as a map key. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

/**
 * The dialog an incoming request belongs to, seen by its receiver (§12.2.2):
 * the local tag is the To tag, the remote tag the From tag. Undefined when
 * the To has no tag: the request is outside any dialog.
 */
export function dialogIdOfRequest(request: SipRequest): DialogId | undefined {
  const localTag = request.to().params.get('tag');
  if (localTag == null) return undefined;
  return { callId: request.callId(), localTag, remoteTag: request.from().params.get('tag') ?? '' };
}

/** The dialog a response belongs to, seen by the UAC (§12.1.2): local tag From, remote tag To. */
export function dialogIdOfResponse(response: SipResponse): DialogId {
  return {
    callId: response.callId(),
    localTag: response.from().params.get('tag') ?? '',
    remoteTag: response.to().params.get('tag') ?? '',
  };
}
