import type { IncomingMessage } from 'node:http';
import { computeHa1, DigestParseError, parseCredentials } from '../formats/digest.js';
import { challengeValue, checkDigest, type DigestCheckOptions } from '../core/digest-check.js';

export type HttpAuthResult = { user: string } | { challenge: { status: 401; headers: Record<string, string> } };

export interface HttpDigestOptions extends DigestCheckOptions {
  readonly domain: string;
}

/**
 * HTTP authentication for XCAP and the /im/ API (RFC 4825 §5.1: "the XCAP
 * server MUST support HTTP digest"), against the same user store as SIP.
 * Basic is accepted only on a TLS connection. The principal is the user's
 * SIP AoR, which is also their XUI.
 */
export class HttpDigestAuthenticator {
  private readonly o: HttpDigestOptions;

  constructor(o: HttpDigestOptions) {
    this.o = o;
  }

  async authenticate(req: IncomingMessage): Promise<HttpAuthResult> {
    const header = req.headers.authorization;
    if (header && /^basic /i.test(header) && (req.socket as { encrypted?: boolean }).encrypted) {
      const [user, ...rest] = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8').split(':');
      const ha1 = await this.o.users.ha1(user ?? '', this.o.realm, 'MD5');
      if (ha1 !== undefined && ha1 === computeHa1('MD5', user!, this.o.realm, rest.join(':'), this.o.hash)) return { user: this.xui(user!) };
      return this.challenge(false);
    }
    if (!header || !/^digest /i.test(header)) return this.challenge(false);
    let creds;
    try {
      creds = parseCredentials(header);
    } catch (e) {
      if (e instanceof DigestParseError) return this.challenge(false);
      throw e;
    }
    // RFC 4825 §5.1 / RFC 7235: a wrong password is answered with a new challenge, not 403.
    const v = await checkDigest(creds, req.method ?? 'GET', this.o);
    if (v.kind !== 'authenticated') return this.challenge(v.kind === 'challenge' && v.stale);
    return { user: this.xui(v.user) };
  }

  private xui(name: string): string {
    return `sip:${name}@${this.o.domain}`;
  }

  private challenge(stale: boolean): HttpAuthResult {
    // Node folds repeated headers of one name; one challenge per algorithm would need
    // raw headers, so offer the first (most interoperable) algorithm.
    const value = challengeValue(this.o, this.o.algorithms[0]!, stale);
    return { challenge: { status: 401, headers: { 'WWW-Authenticate': value } } };
  }
}
