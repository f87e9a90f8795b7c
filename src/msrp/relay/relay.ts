// An MSRP relay (RFC 4976), also the MSRP WebSocket server of RFC 7977:
// clients AUTH with HTTP digest and get a Use-Path URI; requests whose
// To-Path starts with one of our URIs are forwarded one hop on (our URI
// popped from To-Path and pushed onto From-Path), re-chunked when large,
// and a failure downstream comes back to the sender as a REPORT.
import {
  DIGEST_ALGORITHMS,
  parseCredentials,
  serializeChallenge,
  verifyResponse,
  type DigestHash,
  DigestParseError,
  type DigestAlgorithm,
} from '../../formats/digest.js';
import type { NonceIssuer } from '../../formats/digest-nonce.js';
import { formatByteRange } from '../byte-range.js';
import { chunkByteRange, splitChunk } from '../chunker.js';
import { type Clock, type RandomSource, cryptoRandom, randomIdent, systemClock } from '../clock.js';
import { MsrpConnection, type TransactionResult } from '../connection.js';
import { formatStatus, getByteRange, getFailureReport, getSeconds, type FailureReport } from '../header-values.js';
import { MsrpHeaders, type MsrpRequest } from '../message.js';
import { MsrpParseError } from '../msrp-parse-error.js';
import { firstUri } from '../session.js';
import { MSRP_DEFAULT_PORT, msrpStatusPhrase } from '../status-codes.js';
import type { MsrpConnector, MsrpTransport, MsrpTransportSink } from '../transport/transport.js';
import { formatMsrpUri, parseMsrpPath, type MsrpUri } from '../uri.js';

/** Where the relay finds users' digest HA1 values (shared with the SIP registrar and XCAP). */
export interface DigestUserStore {
  lookupHa1(username: string, realm: string, algorithm: DigestAlgorithm): Promise<string | undefined>;
}

export interface MsrpRelayOptions {
  /** Authority of the URIs we hand out in Use-Path: how peers reach our TCP/TLS listener. */
  host: string;
  port?: number;
  /** "msrps" when that listener is TLS. Default "msrp". */
  scheme?: 'msrp' | 'msrps';
  /** Other host names clients may address AUTH to (e.g. the WebSocket host). */
  aliases?: readonly string[];
  realm: string;
  users: DigestUserStore;
  nonces: NonceIssuer;
  /** Opens connections to next hops. */
  connector: MsrpConnector;
  /** Algorithms offered in 401 challenges, preferred first. Default SHA-256 then MD5. */
  algorithms?: readonly DigestAlgorithm[];
  /** H() for checking responses; default the portable one. */
  hash?: DigestHash;
  /** RFC 4976 §5.1 Expires bounds, seconds. Defaults 900 / 60 / 3600. */
  defaultExpires?: number;
  minExpires?: number;
  maxExpires?: number;
  /** Larger chunk bodies are split when forwarded (RFC 7977 §5.1 asks WebSocket servers to chunk). Default 64 KiB. */
  maxForwardChunk?: number;
  clock?: Clock;
  random?: RandomSource;
  transactionTimeoutMs?: number;
}

/** One client's authorisation: its Use-Path URI (by session-id) and the connection it came on. */
interface Allocation {
  readonly sessionId: string;
  readonly uri: MsrpUri;
  readonly username: string;
  readonly conn: MsrpConnection;
  expiresAt: number;
}

export class MsrpRelay implements MsrpTransportSink {
  readonly #o: MsrpRelayOptions;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #allocations = new Map<string, Allocation>();
  /** Connections by "scheme://host:port" of the hop they lead to (RFC 4975 §5.4 reuse). */
  readonly #hops = new Map<string, Promise<MsrpConnection>>();
  readonly #connections = new Set<MsrpConnection>();
  /** How many allocations each client connection holds (kept with #allocations). */
  readonly #allocationsOn = new Map<MsrpConnection, number>();
  /** Established next-hop connections, by the same keys as #hops, for forwarding without a promise turn. */
  readonly #hopConns = new Map<string, MsrpConnection>();
  /** Parsed To-Path/From-Path pairs: every chunk of a session carries the same two values. */
  readonly #paths = new Map<string, Map<string, RoutePaths>>();
  #pathCount = 0;
  readonly #hostLower: string;
  readonly #aliasesLower: readonly string[];

  constructor(opts: MsrpRelayOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? cryptoRandom;
    this.#hostLower = opts.host.toLowerCase();
    this.#aliasesLower = (opts.aliases ?? []).map((a) => a.toLowerCase());
  }

  #addAllocation(a: Allocation): void {
    this.#allocations.set(a.sessionId, a);
    this.#allocationsOn.set(a.conn, (this.#allocationsOn.get(a.conn) ?? 0) + 1);
  }

  #removeAllocation(a: Allocation): void {
    if (!this.#allocations.delete(a.sessionId)) return;
    const n = (this.#allocationsOn.get(a.conn) ?? 1) - 1;
    if (n > 0) this.#allocationsOn.set(a.conn, n);
    else this.#allocationsOn.delete(a.conn);
  }

  get allocationCount(): number {
    return this.#allocations.size;
  }

  acceptTransport(transport: MsrpTransport): MsrpConnection {
    return this.#wrap(transport);
  }

  close(): void {
    for (const c of [...this.#connections]) c.close();
    this.#allocations.clear();
    this.#allocationsOn.clear();
  }

  #wrap(transport: MsrpTransport): MsrpConnection {
    const conn = new MsrpConnection({
      transport,
      clock: this.#clock,
      random: this.#random,
      transactionTimeoutMs: this.#o.transactionTimeoutMs,
      delegate: {
        onRequest: (c, r) => this.#onRequest(c, r),
        onClose: (c) => this.#onClosed(c),
      },
    });
    this.#connections.add(conn);
    return conn;
  }

  #onClosed(conn: MsrpConnection): void {
    this.#connections.delete(conn);
    for (const a of [...this.#allocations.values()]) if (a.conn === conn) this.#removeAllocation(a);
    for (const [k, c] of this.#hopConns) if (c === conn) this.#hopConns.delete(k);
    for (const [k, p] of this.#hops) void p.then((c) => c === conn && this.#hops.delete(k), () => undefined);
  }

  #onRequest(conn: MsrpConnection, req: MsrpRequest): void {
    let paths: RoutePaths;
    try {
      paths = this.#parsePaths(req.headers.get('To-Path') ?? '', req.headers.get('From-Path') ?? '');
    } catch (e) {
      if (!(e instanceof MsrpParseError)) throw e;
      this.#respond(conn, req, 400, undefined, e.reason);
      return;
    }
    const { to, from } = paths;
    if (req.method === 'AUTH') {
      void this.#onAuth(conn, req, to);
      return;
    }
    if (req.method !== 'SEND' && req.method !== 'REPORT') {
      this.#respond(conn, req, 501);
      return;
    }
    // Remember which connection leads back to the previous hop, so a later
    // request towards it reuses the connection (RFC 4975 §5.4).
    if (!this.#isClientConnection(conn)) this.#learnHop(from[0]!, conn);
    this.#forward(conn, req, paths);
  }

  /** Parsed paths, cached by their text; the arrays are shared and never changed. */
  #parsePaths(toText: string, fromText: string): RoutePaths {
    // Two levels rather than one joined key: no string is built per request.
    let byFrom = this.#paths.get(toText);
    let p = byFrom?.get(fromText);
    if (p) return p;
    p = { to: parseMsrpPath(toText), from: parseMsrpPath(fromText), forwardTexts: [] };
    if (this.#pathCount >= 4096) {
      this.#paths.clear();
      this.#pathCount = 0;
      byFrom = undefined;
    }
    if (!byFrom) this.#paths.set(toText, (byFrom = new Map()));
    byFrom.set(fromText, p);
    this.#pathCount++;
    return p;
  }

  #isClientConnection(conn: MsrpConnection): boolean {
    return this.#allocationsOn.has(conn);
  }

  // ---------------------------------------------------------------- AUTH (RFC 4976 §5, §6)

  #isUs(uri: MsrpUri): boolean {
    const h = uri.host.toLowerCase();
    return h === this.#hostLower || this.#aliasesLower.includes(h);
  }

  async #onAuth(conn: MsrpConnection, req: MsrpRequest, to: readonly MsrpUri[]): Promise<void> {
    // RFC 4976 §6.3: AUTH is addressed to the relay itself, one hop.
    if (to.length !== 1 || !this.#isUs(to[0]!)) {
      this.#respond(conn, req, 403, undefined, 'AUTH not addressed to this relay');
      return;
    }
    const authz = req.headers.get('Authorization');
    if (authz === undefined) {
      this.#challenge(conn, req, false);
      return;
    }
    let creds;
    try {
      creds = parseCredentials(authz);
    } catch (e) {
      if (!(e instanceof DigestParseError)) throw e;
      this.#respond(conn, req, 400, undefined, e.reason);
      return;
    }
    const verdict = this.#o.nonces.check(creds.nonce, creds.nc);
    if (creds.realm !== this.#o.realm || verdict === 'invalid') {
      this.#challenge(conn, req, false);
      return;
    }
    if (verdict === 'stale') {
      this.#challenge(conn, req, true);
      return;
    }
    const algorithm = creds.algorithm ?? 'MD5';
    const ha1 = await this.#o.users.lookupHa1(creds.username, creds.realm, algorithm);
    // RFC 4976 §6.3: the digest-uri is the To-Path URI of the AUTH.
    const uriMatches = creds.uri === req.headers.get('To-Path')!.trim();
    if (ha1 === undefined || !uriMatches || !verifyResponse(creds, ha1, 'AUTH', this.#o.hash)) {
      this.#challenge(conn, req, false);
      return;
    }
    let expires: number | undefined;
    try {
      expires = getSeconds(req.headers, 'Expires');
    } catch (e) {
      if (!(e instanceof MsrpParseError)) throw e;
      this.#respond(conn, req, 400, undefined, e.reason);
      return;
    }
    const min = this.#o.minExpires ?? 60;
    const max = this.#o.maxExpires ?? 3600;
    if (expires !== undefined && expires < min) {
      // RFC 4976 §5.1: too short an interval gets 423 with Min-Expires.
      const h = new MsrpHeaders().append('Min-Expires', String(min));
      this.#respond(conn, req, 423, h);
      return;
    }
    const granted = Math.min(expires ?? this.#o.defaultExpires ?? 900, max);
    const sessionId = randomIdent(this.#random, 16);
    const uri: MsrpUri = {
      scheme: this.#o.scheme ?? 'msrp',
      host: this.#o.host,
      port: this.#o.port ?? MSRP_DEFAULT_PORT,
      sessionId,
      transport: 'tcp',
      params: [],
    };
    this.#addAllocation({ sessionId, uri, username: creds.username, conn, expiresAt: this.#clock.now() + granted * 1000 });
    const h = new MsrpHeaders().append('Use-Path', formatMsrpUri(uri)).append('Expires', String(granted));
    this.#respond(conn, req, 200, h);
  }

  #challenge(conn: MsrpConnection, req: MsrpRequest, stale: boolean): void {
    const h = new MsrpHeaders();
    const nonce = this.#o.nonces.issue();
    for (const algorithm of this.#o.algorithms ?? DIGEST_ALGORITHMS.filter((a) => !a.endsWith('-sess'))) {
      h.append('WWW-Authenticate', serializeChallenge({ realm: this.#o.realm, nonce, qop: ['auth'], algorithm, stale }));
    }
    this.#respond(conn, req, 401, h);
  }

  // ---------------------------------------------------------------- forwarding (RFC 4976 §7)

  #allocation(uri: MsrpUri): Allocation | undefined {
    if (uri.sessionId === undefined || !this.#isUs(uri)) return undefined;
    const a = this.#allocations.get(uri.sessionId);
    if (a && a.expiresAt <= this.#clock.now()) {
      this.#removeAllocation(a);
      return undefined;
    }
    return a;
  }

  #forward(conn: MsrpConnection, req: MsrpRequest, paths: RoutePaths): void {
    const { to, from } = paths;
    const isSend = req.method === 'SEND';
    let fr: FailureReport = 'yes';
    try {
      fr = isSend ? getFailureReport(req.headers) : 'no';
    } catch (e) {
      if (!(e instanceof MsrpParseError)) throw e;
      this.#respond(conn, req, 400, undefined, e.reason);
      return;
    }
    const here = to[0]!;
    const alloc = this.#allocation(here);
    if (!alloc || to.length < 2) {
      // Not one of our URIs, or nowhere further to go.
      if (isSend && fr !== 'no') this.#respond(conn, req, 481, undefined, undefined, here);
      return;
    }
    // RFC 4976 §7.1: requests from outside may only reach the client of the
    // allocation; the client itself may send anywhere.
    const fromClient = conn === alloc.conn;
    // How many of our own URIs lead the To-Path: they move to the From-Path.
    let ours = 1;
    let target: Allocation | undefined;
    if (!fromClient) {
      target = alloc;
    } else {
      // Both clients on this relay: hop over our own second URI directly.
      const again = this.#allocation(to[1]!);
      if (again && to.length >= 3) {
        ours = 2;
        target = again;
      }
    }
    const nextHopUri = to[ours]!;
    if (target && (to.length - ours !== 1 || nextHopUri.sessionId === undefined)) {
      if (isSend && fr !== 'no') this.#respond(conn, req, 481, undefined, undefined, here);
      return;
    }
    // Hop-by-hop: we answer the previous hop now (RFC 4975 §7.2) and report
    // a downstream failure later in a REPORT (RFC 4975 §7.1.4).
    if (isSend) this.#respond(conn, req, 200, undefined, undefined, here);
    // RFC 4976 §7.2: our URI(s) come off the front of the To-Path and go on the front of the From-Path.
    const texts = (paths.forwardTexts[ours] ??= {
      to: to.slice(ours).map(formatMsrpUri).join(' '),
      from: [...to.slice(0, ours).reverse(), ...from].map(formatMsrpUri).join(' '),
    });
    // An established connection is used at once; only a hop still being
    // connected costs a promise turn (and chunks queued behind it keep their order).
    const ready = target ? target.conn : this.#hopConns.get(this.#hopKey(nextHopUri));
    if (ready && !ready.closed) {
      this.#send(ready, conn, req, fr, here, texts);
      return;
    }
    this.#connectionTo(nextHopUri).then(
      (out) => {
        if (out.closed) throw new Error('next hop closed');
        this.#send(out, conn, req, fr, here, texts);
      },
    ).catch(() => {
      if (isSend) this.#failureReport(conn, req, fr, here, undefined, 408, 'next hop unreachable');
    });
  }

  #send(out: MsrpConnection, conn: MsrpConnection, req: MsrpRequest, fr: FailureReport, here: MsrpUri, texts: { to: string; from: string }): void {
    const track = fr !== 'no' && req.method === 'SEND';
    for (const fwd of this.#rewrite(out, req, texts.to, texts.from)) {
      out.sendRequest(fwd.request, track ? (r) => this.#downstreamResult(conn, req, fr, here, fwd.range, r) : undefined);
    }
  }

  /** The request as sent on: new transaction id, rewritten paths, split when large (RFC 4976 §7.3). */
  #rewrite(out: MsrpConnection, req: MsrpRequest, toText: string, fromText: string): Array<{ request: MsrpRequest; range: string | undefined }> {
    const body = req.body;
    const max = this.#o.maxForwardChunk ?? 65536;
    // Byte-Range is parsed only for a body that has to be split.
    const range = req.method === 'SEND' && body !== undefined && body.length > max ? safeRange(req) : undefined;
    if (body === undefined || !range) {
      const h = withPaths(req.headers, toText, fromText);
      return [{ request: { ...req, transactionId: out.newTransactionId(body), headers: h }, range: req.headers.get('Byte-Range') }];
    }
    const pieces = splitChunk(range.start - 1, body, max);
    return pieces.map((p, i) => {
      const last = i === pieces.length - 1;
      const h = withPaths(req.headers, toText, fromText);
      const br = formatByteRange(chunkByteRange(p.offset, p.data.length, range.total));
      h.set('Byte-Range', br);
      const flag = last ? req.flag : '+';
      return { request: { kind: 'request', method: 'SEND', transactionId: out.newTransactionId(p.data), headers: h, body: p.data, flag }, range: br };
    });
  }

  #downstreamResult(conn: MsrpConnection, req: MsrpRequest, fr: FailureReport, here: MsrpUri, range: string | undefined, r: TransactionResult): void {
    if (r.status === 200) return;
    if (fr === 'partial' && r.cause !== 'response') return;
    this.#failureReport(conn, req, fr, here, range, r.status, r.comment);
  }

  /** RFC 4976 §7.3: a relay that cannot deliver sends a failure REPORT back to the sender. */
  #failureReport(conn: MsrpConnection, req: MsrpRequest, fr: FailureReport, here: MsrpUri, range: string | undefined, status: number, comment?: string): void {
    if (fr === 'no' || conn.closed) return;
    const messageId = req.headers.get('Message-ID');
    if (messageId === undefined) return;
    const h = new MsrpHeaders();
    h.append('To-Path', req.headers.get('From-Path')!.trim());
    h.append('From-Path', formatMsrpUri(here));
    h.append('Message-ID', messageId.trim());
    const br = range ?? req.headers.get('Byte-Range');
    if (br !== undefined) h.append('Byte-Range', br.trim());
    h.append('Status', formatStatus(status, comment ?? msrpStatusPhrase(status)));
    conn.sendRequest({ kind: 'request', method: 'REPORT', transactionId: conn.newTransactionId(), headers: h, body: undefined, flag: '$' });
  }

  #hopKey(uri: MsrpUri): string {
    return `${uri.scheme}://${uri.host.toLowerCase()}:${uri.port ?? MSRP_DEFAULT_PORT}`;
  }

  #learnHop(uri: MsrpUri, conn: MsrpConnection): void {
    const key = this.#hopKey(uri);
    if (!this.#hops.has(key)) {
      this.#hops.set(key, Promise.resolve(conn));
      this.#hopConns.set(key, conn);
    }
  }

  async #connectionTo(uri: MsrpUri): Promise<MsrpConnection> {
    const key = this.#hopKey(uri);
    const existing = this.#hops.get(key);
    if (existing) {
      const c = await existing.catch(() => undefined);
      if (c && !c.closed) return c;
    }
    const p = this.#o.connector.connect(uri).then((t) => {
      const c = this.#wrap(t);
      this.#hopConns.set(key, c);
      return c;
    });
    this.#hops.set(key, p);
    p.catch(() => this.#hops.delete(key));
    return p;
  }

  #respond(conn: MsrpConnection, req: MsrpRequest, status: number, extra?: MsrpHeaders, comment?: string, self?: MsrpUri): void {
    if (req.method === 'REPORT') return;
    const fromText = req.headers.get('From-Path')?.trim();
    if (fromText === undefined) return;
    // RFC 4975 §7.2: SEND responses go to the previous hop only; others carry the whole path back.
    const h = new MsrpHeaders(
      ['To-Path', 'From-Path'],
      [req.method === 'SEND' ? firstUri(fromText) : fromText, self ? formatUriCached(self) : firstUri(req.headers.get('To-Path')?.trim() ?? '')],
    );
    if (extra) for (let i = 0; i < extra.size; i++) h.append(extra.names[i]!, extra.values[i]!);
    conn.sendResponse({ kind: 'response', transactionId: req.transactionId, status, comment: comment ?? msrpStatusPhrase(status), headers: h, flag: '$' });
  }
}

const uriTexts = new WeakMap<MsrpUri, string>();

/** formatMsrpUri() of a URI object seen before (parsed paths are cached, so their URIs recur). */
function formatUriCached(uri: MsrpUri): string {
  let t = uriTexts.get(uri);
  if (t === undefined) uriTexts.set(uri, (t = formatMsrpUri(uri)));
  return t;
}

/** A To-Path and From-Path as parsed, with the rewritten texts for forwarding (by how many of our URIs lead the To-Path). */
interface RoutePaths {
  readonly to: readonly MsrpUri[];
  readonly from: readonly MsrpUri[];
  readonly forwardTexts: Array<{ readonly to: string; readonly from: string } | undefined>;
}

function withPaths(headers: MsrpHeaders, toText: string, fromText: string): MsrpHeaders {
  const h = headers.clone();
  h.set('To-Path', toText);
  h.set('From-Path', fromText);
  return h;
}

function safeRange(req: MsrpRequest): { start: number; total: number | '*' } | undefined {
  try {
    const r = getByteRange(req.headers);
    return r ? { start: r.start, total: r.total } : { start: 1, total: '*' };
  } catch (e) {
    if (e instanceof MsrpParseError) return undefined;
    throw e;
  }
}
