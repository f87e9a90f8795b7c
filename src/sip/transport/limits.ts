import type { TransportProtocol } from './types.js';

/**
 * RFC 3261 §18.1.1: "If a request is within 200 bytes of the path MTU, or if
 * it is larger than 1300 bytes and the path MTU is unknown, the request MUST
 * be sent using an RFC 2914 congestion controlled transport protocol, such
 * as TCP." Choosing the transport is the caller's decision (it builds the Via).
 */
export const UDP_MTU_THRESHOLD = 1300;

/** Ports used when a Via or URI names none (RFC 3261 §18.2.2, §19.1.2; RFC 7118 uses the HTTP ports). */
export const DEFAULT_PORTS: Readonly<Record<TransportProtocol, number>> = {
  UDP: 5060,
  TCP: 5060,
  TLS: 5061,
  WS: 80,
  WSS: 443,
};

export const TRANSPORT_PROTOCOLS: readonly TransportProtocol[] = ['UDP', 'TCP', 'TLS', 'WS', 'WSS'];

export function isTransportProtocol(s: string): s is TransportProtocol {
  return (TRANSPORT_PROTOCOLS as readonly string[]).includes(s);
}

/** TCP, TLS, WS and WSS deliver in order without loss (RFC 3261 §17.1.1.2). */
export function isReliable(p: TransportProtocol): boolean {
  return p !== 'UDP';
}

export function isSecure(p: TransportProtocol): boolean {
  return p === 'TLS' || p === 'WSS';
}
