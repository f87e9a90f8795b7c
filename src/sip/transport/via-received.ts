import { field, type SipMessage, type SipResponse } from '../message.js';
import { SipParseError } from '../parse-error.js';
import { formatVia } from '../via.js';
import { isIpAddress, normalizeAddress, sameAddress, unbracket } from './ip.js';
import { DEFAULT_PORTS, isReliable, isTransportProtocol } from './limits.js';
import type { Endpoint, HostPort } from './types.js';

/**
 * Marks the top Via of a received request with where it really came from,
 * replacing that Via value in place. Throws SipParseError when there is no
 * top Via or it is malformed.
 */
export function stampReceived(m: SipMessage, source: HostPort): void {
  const via = m.topVia();
  const params = via.params.clone();
  const address = normalizeAddress(source.address);
  let changed = false;
  if (params.get('rport') === null) {
    // RFC 3581 §4: "If this Via header field value contains an "rport"
    // parameter with no value, it MUST set the value of the parameter to the
    // source port of the request. [...] the server MUST insert a "received"
    // parameter containing the source IP address that the request came from,
    // even if it is identical to the value of the "sent-by" component."
    params.set('rport', String(source.port));
    params.set('received', address);
    changed = true;
  } else if (!isIpAddress(via.host) || !sameAddress(via.host, address)) {
    // RFC 3261 §18.2.1: "If the host portion of the "sent-by" parameter
    // contains a domain name, or if it contains an IP address that differs
    // from the packet source address, the server MUST add a "received"
    // parameter to that Via header field value."
    params.set('received', address);
    changed = true;
  }
  if (!changed) return;
  const at = m.headers.findIndex((h) => h.key === 'via');
  m.removeFirstValue('via');
  // Put the new value where the old one was, so the header order is kept.
  const text = formatVia({ ...via, params });
  m.headers.splice(at, 0, field('Via', text));
}

/**
 * Where a response goes when it cannot use the connection its request came
 * on, from its top Via (RFC 3261 §18.2.2 with RFC 3581 §4). Throws
 * SipParseError for a missing or malformed Via or an unknown transport.
 */
export function responseDestination(res: SipResponse): Endpoint {
  const via = res.topVia();
  const protocol = via.transport;
  if (!isTransportProtocol(protocol)) throw new SipParseError(`unsupported Via transport ${protocol}`);
  const sentByPort = via.port ?? DEFAULT_PORTS[protocol];
  const received = param(via.params.get('received'));
  if (isReliable(protocol)) {
    // RFC 3261 §18.2.2: "the server SHOULD open a connection to the IP
    // address in the "received" parameter, if present, using the port in the
    // "sent-by" value, or the default port for that transport".
    return { protocol, address: received ?? unbracket(via.host), port: sentByPort };
  }
  const maddr = param(via.params.get('maddr'));
  // RFC 3261 §18.2.2: maddr first, with the sent-by port or 5060.
  if (maddr !== undefined) return { protocol, address: unbracket(maddr), port: sentByPort };
  // RFC 3581 §4: "there is both a "received" parameter and an "rport"
  // parameter, the response MUST be sent to the IP address listed in the
  // "received" parameter, and the port in the "rport" parameter."
  const rport = param(via.params.get('rport'));
  const port = rport !== undefined && /^\d{1,5}$/.test(rport) && Number(rport) <= 65535 ? Number(rport) : sentByPort;
  if (received !== undefined) return { protocol, address: received, port };
  return { protocol, address: unbracket(via.host), port };
}

function param(v: string | null | undefined): string | undefined {
  return v === null || v === undefined || v.length === 0 ? undefined : v;
}
