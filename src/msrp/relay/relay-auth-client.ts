// The client half of RFC 4976 §5: AUTH to our relay, answer the digest
// challenge, and learn the Use-Path to put before our URI in a=path.
import { answerChallenge, parseChallenge, serializeCredentials, DigestParseError } from '../../formats/digest.js';
import { type RandomSource, randomIdent } from '../clock.js';
import type { MsrpConnection, TransactionResult } from '../connection.js';
import { getSeconds, getUsePath } from '../header-values.js';
import { MsrpHeaders } from '../message.js';
import { MsrpParseError } from '../msrp-parse-error.js';
import { formatMsrpUri, type MsrpUri } from '../uri.js';

export interface RelayCredentials {
  username: string;
  password: string;
}

export interface RelayAuthResult {
  /** Relay URIs for our a=path and To-Path (RFC 4976 §5.1). */
  usePath: MsrpUri[];
  /** Seconds the relay keeps the authorisation (Expires of the 200). */
  expires: number | undefined;
}

export class RelayAuthError extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RelayAuthError';
  }
}

export interface RelayAuthOptions {
  /** The relay's URI (To-Path of AUTH; also the digest uri). */
  relayUri: MsrpUri;
  /** Our URI (From-Path of AUTH). */
  fromUri: MsrpUri;
  credentials: RelayCredentials;
  random: RandomSource;
  /** Requested lifetime in seconds (Expires in AUTH, RFC 4976 §5.1). */
  expires?: number;
}

function transact(conn: MsrpConnection, headers: MsrpHeaders): Promise<TransactionResult> {
  return new Promise((resolve) => {
    conn.sendRequest({ kind: 'request', transactionId: conn.newTransactionId(), method: 'AUTH', headers, body: undefined, flag: '$' }, resolve);
  });
}

export async function authenticateWithRelay(conn: MsrpConnection, o: RelayAuthOptions): Promise<RelayAuthResult> {
  const to = formatMsrpUri(o.relayUri);
  const base = () => {
    const h = new MsrpHeaders();
    h.append('To-Path', to);
    h.append('From-Path', formatMsrpUri(o.fromUri));
    if (o.expires !== undefined) h.append('Expires', String(o.expires));
    return h;
  };
  let r = await transact(conn, base());
  // Two rounds: the challenge, and once more if our nonce went stale.
  for (let round = 0; round < 2 && r.status === 401; round++) {
    const challenges = r.response?.headers.getAll('WWW-Authenticate') ?? [];
    let authorization: string | undefined;
    for (const c of challenges) {
      try {
        const creds = answerChallenge(parseChallenge(c), {
          username: o.credentials.username,
          password: o.credentials.password,
          method: 'AUTH',
          // RFC 4976 §5.1: the digest-uri is the relay URI from To-Path.
          uri: to,
          cnonce: randomIdent(o.random, 16),
          nc: 1,
        });
        authorization = serializeCredentials(creds);
        break;
      } catch (e) {
        // A challenge with an algorithm we do not implement: try the next one.
        if (!(e instanceof DigestParseError)) throw e;
      }
    }
    if (!authorization) throw new RelayAuthError(401, 'no usable digest challenge');
    const h = base();
    h.append('Authorization', authorization);
    r = await transact(conn, h);
  }
  if (r.status !== 200 || !r.response) throw new RelayAuthError(r.status, `AUTH failed: ${r.status} ${r.comment ?? ''}`);
  try {
    const usePath = getUsePath(r.response.headers);
    if (!usePath) throw new RelayAuthError(r.status, 'AUTH 200 without Use-Path');
    return { usePath, expires: getSeconds(r.response.headers, 'Expires') };
  } catch (e) {
    if (e instanceof MsrpParseError) throw new RelayAuthError(400, e.reason);
    throw e;
  }
}
