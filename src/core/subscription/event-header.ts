import type { SipRequest } from '../../sip/message.js';

/** The event type of the Event header (RFC 6665 §8.2.1), without parameters. */
export function eventType(req: SipRequest): string | undefined {
  const v = req.get('event');
  return v?.split(';')[0]!.trim();
}

/** The Event header's `id` parameter (RFC 6665 §8.2.1): it names one of several subscriptions in a dialog. */
export function eventId(req: SipRequest): string | undefined {
  const v = req.get('event');
  return v === undefined ? undefined : /;\s*id\s*=\s*([^;\s]+)/i.exec(v)?.[1];
}

/**
 * True when the request's Accept allows `type` (RFC 3261 §20.1: "type/*"
 * and "*\/*" ranges), or when it has no Accept at all, which for an event
 * package means the package's default body type (RFC 6665 §8.2.1).
 */
export function acceptsType(req: SipRequest, type: string): boolean {
  const accept = req.getAll('accept');
  if (accept.length === 0) return true;
  const [main] = type.toLowerCase().split('/');
  return accept.some((a) => {
    const range = a.split(';')[0]!.trim().toLowerCase();
    return range === type.toLowerCase() || range === `${main}/*` || range === '*/*';
  });
}
