import type { SipRequest } from '../sip/message.js';
import { serializeMessage } from '../sip/serializer.js';
import type { TransportProtocol } from '../sip/transport/types.js';

export interface PagerLimits {
  /** Largest MESSAGE body accepted in pager mode over any transport (413 above it). */
  readonly maxBodyBytes: number;
  /** Largest whole MESSAGE accepted over UDP (513 above it). RFC 3428 §9: 1300 bytes. */
  readonly maxUdpBytes: number;
}

export type PagerVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 413 | 513; readonly reason: string };

const OK: PagerVerdict = { ok: true };

/**
 * The pager-mode size rules (OMA IM digest §3.1, §8.3.1). The absolute
 * limit is checked first: past it, only the large-message mode (MSRP,
 * digest §3.3) can carry the content, and 413 says so. Within it, a
 * MESSAGE that came over UDP and is larger than the UDP limit gets 513:
 * RFC 3428 §9: "the size of MESSAGE requests outside of a media session
 * MUST NOT exceed 1300 bytes" unless the path is congestion controlled, so
 * the client should resend over TCP (RFC 3261 §18.1.1).
 */
export function checkPagerSize(req: SipRequest, arrivedOver: TransportProtocol, limits: PagerLimits): PagerVerdict {
  if (req.body.length > limits.maxBodyBytes) {
    return { ok: false, status: 413, reason: `Pager-mode body over ${limits.maxBodyBytes} bytes; use large-message mode` };
  }
  if (arrivedOver === 'UDP' && serializeMessage(req).length > limits.maxUdpBytes) {
    return { ok: false, status: 513, reason: `Message over ${limits.maxUdpBytes} bytes on UDP; use TCP` };
  }
  return OK;
}
