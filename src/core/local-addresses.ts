import type { HostPort } from '../sip/transport/types.js';
import { isSipUri, type Uri } from '../sip/uri.js';

/**
 * What addresses mean "this server": the served domain and every address
 * we listen on. Used to recognise our own Route and Via entries and
 * requests addressed to the server itself (RFC 3261 §16.4).
 */
export class LocalAddresses {
  readonly domain: string;
  private readonly listening: HostPort[] = [];

  constructor(domain: string) {
    this.domain = domain.toLowerCase();
  }

  add(hp: HostPort): void {
    this.listening.push(hp);
  }

  isDomain(host: string): boolean {
    return host.toLowerCase() === this.domain;
  }

  /** host[:port] names one of our listening points (or our domain with no or a listening port). */
  isOurs(host: string, port: number | null): boolean {
    const h = host.startsWith('[') ? host.slice(1, -1).toLowerCase() : host.toLowerCase();
    if (h === this.domain) return port === null || this.listening.some((l) => l.port === port);
    return this.listening.some(
      (l) => (l.address === h || (isAny(l.address) && isLoopback(h))) && (port === null ? l.port === 5060 || l.port === 5061 : l.port === port),
    );
  }

  /** A URI that addresses the server itself rather than a user: our host and no user part. */
  isServerUri(uri: Uri): boolean {
    return isSipUri(uri) && uri.user === null && this.isOurs(uri.host, uri.port);
  }

  /** The host part of a SIP URI is ours: our domain, or one of our addresses (sip:bob@127.0.0.1:5060). */
  isLocalDomain(uri: Uri): boolean {
    return isSipUri(uri) && (this.isDomain(uri.host) || this.isOurs(uri.host, uri.port));
  }
}

function isAny(a: string): boolean {
  return a === '0.0.0.0' || a === '::';
}

function isLoopback(a: string): boolean {
  return a.startsWith('127.') || a === '::1' || a === 'localhost';
}
