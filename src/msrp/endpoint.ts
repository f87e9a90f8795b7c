// An MSRP endpoint: owns sessions and connections. Outgoing connections are
// reused per RFC 4975 §5.4 (same host, port and scheme); an incoming
// connection is bound to a session by the To-Path of its first request
// (481 for an unknown session, 506 for one bound elsewhere). Keep-alive and
// idle limits run on the injected clock.
import { type Clock, type RandomSource, cryptoRandom, randomIdent, systemClock } from './clock.js';
import { MsrpConnection } from './connection.js';
import { getToPath } from './header-values.js';
import type { MsrpRequest } from './message.js';
import { MsrpParseError } from './msrp-parse-error.js';
import type { MsrpParserOptions } from './parser.js';
import { MsrpSession, respond, type MsrpSessionDelegate } from './session.js';
import { MSRP_DEFAULT_PORT } from './status-codes.js';
import type { MsrpConnector, MsrpTransport } from './transport/transport.js';
import type { MsrpScheme, MsrpUri } from './uri.js';
import { authenticateWithRelay, type RelayAuthResult, type RelayCredentials } from './relay/relay-auth-client.js';

export interface MsrpEndpointOptions {
  /** Host written in our session URIs (what the peer connects to, or a ".invalid" name behind a relay). */
  host: string;
  /** Port written in our session URIs. Default 2855. */
  port?: number;
  /** "msrps" when our listener is TLS (RFC 4975 §6). Default "msrp". */
  scheme?: MsrpScheme;
  /** Transport parameter of our URIs: "tcp", or "ws" for a WebSocket client (RFC 7977 §5.2.1). */
  transport?: string;
  /** Opens connections for sessions where we are active. */
  connector?: MsrpConnector;
  clock?: Clock;
  random?: RandomSource;
  transactionTimeoutMs?: number;
  /** Close a connection that carries no session for this long. Default 30 s. */
  idleTimeoutMs?: number;
  /** Send a bodiless SEND on sessions whose connection was silent this long (RFC 7977 §6). Off by default. */
  keepAliveMs?: number;
  parser?: MsrpParserOptions;
}

export interface CreateSessionOptions {
  sessionId?: string;
  remotePath?: readonly MsrpUri[];
  usePath?: readonly MsrpUri[];
  acceptTypes?: readonly string[];
  acceptWrappedTypes?: readonly string[];
  maxSize?: number;
  chunkSize?: number;
  delegate?: MsrpSessionDelegate;
}

export class MsrpEndpoint {
  readonly #opts: MsrpEndpointOptions;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  /** By session-id: behind ALGs a rewritten authority must still match (OMA IM digest §9.2). */
  readonly #sessions = new Map<string, MsrpSession>();
  readonly #sessionsOf = new Map<MsrpConnection, Set<MsrpSession>>();
  /** Outgoing connections by "scheme://host:port" for reuse (RFC 4975 §5.4). */
  readonly #byAuthority = new Map<string, Promise<MsrpConnection>>();
  readonly #idleSince = new Map<MsrpConnection, number>();
  #timer: unknown;
  #closed = false;
  readonly #toPathCache = new Map<string, string>();

  constructor(opts: MsrpEndpointOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? cryptoRandom;
  }

  get sessions(): ReadonlyMap<string, MsrpSession> {
    return this.#sessions;
  }

  get connections(): MsrpConnection[] {
    return [...this.#sessionsOf.keys()];
  }

  /** A new session with a fresh, hard to guess URI (RFC 4975 §8.2: "It SHOULD be hard to guess"). */
  createSession(o: CreateSessionOptions = {}): MsrpSession {
    const sessionId = o.sessionId ?? randomIdent(this.#random, 20);
    if (this.#sessions.has(sessionId)) throw new Error(`session ${sessionId} exists`);
    const localUri = this.#baseUri(sessionId);
    const session = new MsrpSession({
      localUri,
      remotePath: o.remotePath,
      usePath: o.usePath,
      acceptTypes: o.acceptTypes,
      acceptWrappedTypes: o.acceptWrappedTypes,
      maxSize: o.maxSize,
      chunkSize: o.chunkSize,
      delegate: o.delegate,
      clock: this.#clock,
      random: this.#random,
      // Forget the session when it ends, whoever ends it.
      onClosed: (s) => this.#forget(s),
    });
    this.#sessions.set(sessionId, session);
    this.#armTimer();
    return session;
  }

  /**
   * Active side (RFC 4975 §5.4): connect towards the first hop of the
   * session's To-Path, reusing a connection to the same host, port and
   * scheme, then send the binding SEND. Resolves with its status (200 when bound).
   */
  async connect(session: MsrpSession): Promise<number> {
    const first = session.toPath[0];
    if (!first) throw new Error('session has no remote path');
    const conn = await this.#connectionTo(first);
    this.#bind(session, conn);
    return session.sendBodiless();
  }

  /** Takes an accepted transport (from MsrpServer or a WebSocket server): passive side. */
  acceptTransport(transport: MsrpTransport): MsrpConnection {
    const conn = this.#newConnection(transport);
    this.#idleSince.set(conn, this.#clock.now());
    this.#sessionsOf.set(conn, new Set());
    this.#armTimer();
    return conn;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    for (const s of [...this.#sessions.values()]) s.close();
    for (const c of [...this.#sessionsOf.keys()]) c.close();
  }

  #newConnection(transport: MsrpTransport): MsrpConnection {
    return new MsrpConnection({
      transport,
      clock: this.#clock,
      random: this.#random,
      transactionTimeoutMs: this.#opts.transactionTimeoutMs,
      parser: this.#opts.parser,
      delegate: {
        onRequest: (c, r) => this.#onRequest(c, r),
        onClose: (c) => this.#onConnectionClosed(c),
      },
    });
  }

  /**
   * RFC 4976 §5: AUTH with our relay (answering its digest challenge) and
   * return the Use-Path to pass as `usePath` to createSession().
   */
  async authenticate(relayUri: MsrpUri, credentials: RelayCredentials, expires?: number): Promise<RelayAuthResult> {
    const conn = await this.#connectionTo(relayUri);
    return authenticateWithRelay(conn, { relayUri, fromUri: this.#baseUri(randomIdent(this.#random, 12)), credentials, random: this.#random, expires });
  }

  #baseUri(sessionId: string): MsrpUri {
    return {
      scheme: this.#opts.scheme ?? 'msrp',
      host: this.#opts.host,
      port: this.#opts.port ?? MSRP_DEFAULT_PORT,
      sessionId,
      transport: this.#opts.transport ?? 'tcp',
      params: [],
    };
  }

  /** The connection towards a first hop, reused per RFC 4975 §5.4 or opened with the connector. */
  connectionTo(uri: MsrpUri): Promise<MsrpConnection> {
    return this.#connectionTo(uri);
  }

  async #connectionTo(uri: MsrpUri): Promise<MsrpConnection> {
    const key = this.#opts.connector?.shared ? '*' : `${uri.scheme}://${uri.host.toLowerCase()}:${uri.port ?? MSRP_DEFAULT_PORT}`;
    const existing = this.#byAuthority.get(key);
    if (existing) {
      const c = await existing.catch(() => undefined);
      if (c && !c.closed) return c;
    }
    const connector = this.#opts.connector;
    if (!connector) throw new Error('no connector configured for outgoing MSRP connections');
    const p = connector.connect(uri).then((t) => {
      const c = this.#newConnection(t);
      this.#sessionsOf.set(c, new Set());
      this.#idleSince.set(c, this.#clock.now());
      return c;
    });
    this.#byAuthority.set(key, p);
    p.catch(() => this.#byAuthority.delete(key));
    return p;
  }

  #bind(session: MsrpSession, conn: MsrpConnection): void {
    let set = this.#sessionsOf.get(conn);
    if (!set) this.#sessionsOf.set(conn, (set = new Set()));
    set.add(session);
    this.#idleSince.delete(conn);
    session.bind(conn);
  }

  #onRequest(conn: MsrpConnection, req: MsrpRequest): void {
    let sessionId: string | undefined;
    try {
      const toText = req.headers.get('To-Path');
      // Every chunk of a session carries the same To-Path: parse it once.
      const cached = toText === undefined ? undefined : this.#toPathCache.get(toText);
      if (cached !== undefined) sessionId = cached;
      else {
        const to = getToPath(req.headers);
        // RFC 4975 §7.3: "the To-Path will have exactly one URI" at an endpoint.
        sessionId = to[to.length - 1]!.sessionId;
        if (sessionId !== undefined) {
          if (this.#toPathCache.size > 4096) this.#toPathCache.clear();
          this.#toPathCache.set(toText!, sessionId);
        }
      }
      if (!req.headers.has('From-Path')) throw new MsrpParseError('missing From-Path');
    } catch (e) {
      if (!(e instanceof MsrpParseError)) throw e;
      if (req.method !== 'REPORT') respond(conn, req, 'yes', 400, this.#self(req), e.reason);
      return;
    }
    const session = sessionId === undefined ? undefined : this.#sessions.get(sessionId);
    if (!session || session.closed) {
      // RFC 4975 §7.3: "the receiver MUST generate a 481 error and ignore the request".
      if (req.method !== 'REPORT') respond(conn, req, failureReportOf(req), 481, this.#self(req));
      return;
    }
    if (session.connection && session.connection !== conn && !session.connection.closed) {
      // RFC 4975 §5.4: "If the session is already in use, it MUST reject the request with a 506 response."
      if (req.method !== 'REPORT') respond(conn, req, failureReportOf(req), 506, this.#self(req));
      return;
    }
    if (session.connection !== conn) this.#bind(session, conn);
    session.handleRequest(conn, req);
  }

  /** Responses come from the URI the peer addressed (RFC 4975 §7.2); worked out only for error responses. */
  #self(req: MsrpRequest): string {
    return req.headers.get('To-Path')?.trim().split(/[ \t]+/).pop() ?? `msrp://${this.#opts.host};tcp`;
  }

  #onConnectionClosed(conn: MsrpConnection): void {
    const set = this.#sessionsOf.get(conn);
    this.#sessionsOf.delete(conn);
    this.#idleSince.delete(conn);
    for (const [k, p] of this.#byAuthority) void p.then((c) => c === conn && this.#byAuthority.delete(k), () => undefined);
    // RFC 4975 §5.4: "If a connection fails for any reason, then an MSRP
    // endpoint MUST consider any sessions associated with the connection as also having failed."
    for (const s of set ?? []) s.close('connection-lost');
  }

  #forget(session: MsrpSession): void {
    this.#sessions.delete(session.sessionId);
    const conn = session.connection;
    if (!conn) return;
    const set = this.#sessionsOf.get(conn);
    set?.delete(session);
    // RFC 4975 §5.4: "A connection SHOULD NOT be closed while there are
    // sessions associated with it"; once empty it may idle out.
    if (set && set.size === 0) this.#idleSince.set(conn, this.#clock.now());
  }

  #armTimer(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const period = Math.min(this.#opts.idleTimeoutMs ?? 30_000, this.#opts.keepAliveMs ?? Infinity);
    this.#timer = this.#clock.setTimer(period, () => {
      this.#timer = undefined;
      this.#tick();
      if (this.#sessionsOf.size > 0 || this.#sessions.size > 0) this.#armTimer();
    });
  }

  #tick(): void {
    const now = this.#clock.now();
    const idle = this.#opts.idleTimeoutMs ?? 30_000;
    for (const [conn, since] of this.#idleSince) if (now - since >= idle) conn.close();
    const ka = this.#opts.keepAliveMs;
    if (ka === undefined) return;
    for (const [conn, set] of this.#sessionsOf) {
      if (now - conn.lastActivity < ka) continue;
      // One bodiless SEND per connection keeps it (and any NAT binding) alive.
      const s = set.values().next().value;
      if (s) void s.sendBodiless();
    }
  }
}

function failureReportOf(req: MsrpRequest): 'yes' | 'no' | 'partial' {
  const v = req.headers.get('Failure-Report')?.trim();
  return v === 'no' || v === 'partial' ? v : 'yes';
}
