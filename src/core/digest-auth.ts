import {
  DigestParseError,
  parseCredentials,
  type DigestAlgorithm,
  type DigestCredentials,
} from '../formats/digest.js';
import type { SipRequest } from '../sip/message.js';
import { challengeValue, checkDigest, type DigestCheckOptions } from './digest-check.js';

/** Who a request was proven to come from. */
export interface AuthenticatedUser {
  readonly user: string;
}

export type AuthOutcome =
  | { readonly kind: 'authenticated'; readonly user: string }
  /** Answer with 401/407 carrying these challenge header values (one per algorithm). */
  | { readonly kind: 'challenge'; readonly challenges: readonly string[] }
  /** Wrong password or a user that does not exist: 403 (RFC 3261 §22.3 leaves the choice; we do not re-challenge forever). */
  | { readonly kind: 'forbidden'; readonly reason: string }
  | { readonly kind: 'bad-request'; readonly reason: string };

export interface DigestAuthOptions extends DigestCheckOptions {
  /** Algorithms offered, one challenge each, in this order (RFC 8760 §2.4: most preferred first). */
  readonly algorithms: readonly DigestAlgorithm[];
}

/**
 * Digest authentication of SIP requests (RFC 3261 §22, RFC 8760): a
 * REGISTER uses Authorization/WWW-Authenticate (401), other requests
 * Proxy-Authorization/Proxy-Authenticate (407).
 */
export class DigestAuthenticator {
  private readonly opts: DigestAuthOptions;

  constructor(opts: DigestAuthOptions) {
    this.opts = opts;
  }

  /** The header a request carries credentials in. */
  static credentialsHeader(req: SipRequest): 'Authorization' | 'Proxy-Authorization' {
    return req.method === 'REGISTER' ? 'Authorization' : 'Proxy-Authorization';
  }

  static challengeHeader(req: SipRequest): 'WWW-Authenticate' | 'Proxy-Authenticate' {
    return req.method === 'REGISTER' ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  }

  challenges(stale = false): string[] {
    return this.opts.algorithms.map((algorithm) => challengeValue(this.opts, algorithm, stale));
  }

  async authenticate(req: SipRequest): Promise<AuthOutcome> {
    const header = DigestAuthenticator.credentialsHeader(req);
    // Several credentials may be present (one per realm, RFC 3261 §22.3); take ours.
    let creds: DigestCredentials | undefined;
    for (const line of req.getLines(header)) {
      if (!/^digest\s/i.test(line)) continue; // unknown scheme (RFC 4475 regaut01): challenge
      let c: DigestCredentials;
      try {
        c = parseCredentials(line);
      } catch (e) {
        if (e instanceof DigestParseError) return { kind: 'bad-request', reason: e.reason };
        throw e;
      }
      if (c.realm === this.opts.realm) {
        creds = c;
        break;
      }
    }
    if (!creds) return { kind: 'challenge', challenges: this.challenges() };
    const v = await checkDigest(creds, req.method, this.opts);
    if (v.kind === 'challenge') return { kind: 'challenge', challenges: this.challenges(v.stale) };
    return v;
  }
}
