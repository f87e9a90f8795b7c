import type { Endpoint, TransportProtocol } from '../sip/transport/types.js';
import { defaultPort, isSipUri, type Uri } from '../sip/uri.js';

/** Resolves a host name to an address (DNS on Node; injected so tests need none). */
export type HostResolver = (host: string) => Promise<string>;

export class NextHopError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NextHopError';
  }
}

/**
 * Where to send a request for a URI, RFC 3263 reduced to what a SIP URI
 * says by itself: the maddr or host, the port (default 5060/5061) and the
 * transport parameter (UDP by default for sip:, TLS for sips:). No NAPTR or
 * SRV lookups: there is no DNS on this service's networks beyond A/AAAA.
 */
export async function nextHop(uri: Uri, resolve: HostResolver): Promise<Endpoint> {
  if (!isSipUri(uri)) throw new NextHopError(`cannot route to a ${uri.scheme}: URI`);
  const tp = (uri.params.get('transport') ?? '').toLowerCase();
  let protocol: TransportProtocol;
  if (uri.scheme === 'sips') protocol = tp === 'ws' || tp === 'wss' ? 'WSS' : 'TLS';
  else if (tp === 'tcp') protocol = 'TCP';
  else if (tp === 'tls') protocol = 'TLS';
  else if (tp === 'ws') protocol = 'WS';
  else if (tp === 'wss') protocol = 'WSS';
  else if (tp === '' || tp === 'udp') protocol = 'UDP';
  else throw new NextHopError(`unsupported transport "${tp}"`);
  const maddr = uri.params.get('maddr');
  const host = maddr ? maddr : uri.host;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const address = isIpLiteral(bare) ? bare : await resolve(bare);
  return { protocol, address, port: defaultPort(uri) };
}

export function isIpLiteral(h: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(h) || (h.includes(':') && /^[0-9A-Fa-f:.]+$/.test(h));
}
