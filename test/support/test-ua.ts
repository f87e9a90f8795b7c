import { randomBytes } from 'node:crypto';
import { answerChallenge, parseChallenge, serializeCredentials, type DigestAlgorithm } from '../../src/formats/digest.js';
import { systemClock } from '../../src/formats/clock.js';
import { newCallId, newTag } from '../../src/sip/ids.js';
import { SipRequest, type SipResponse } from '../../src/sip/message.js';
import { createResponse } from '../../src/sip/response.js';
import { TransactionLayer } from '../../src/sip/transaction/transaction-layer.js';
import { NodeSipTransport } from '../../src/sip/transport/node-transport.js';
import type { Endpoint, HostPort, Incoming } from '../../src/sip/transport/types.js';

export interface TestUaOptions {
  readonly user: string;
  readonly password?: string;
  readonly domain?: string;
  readonly serverPort: number;
  readonly protocol?: 'UDP' | 'TCP';
  /** Preferred digest algorithm when several are offered. */
  readonly algorithm?: DigestAlgorithm;
}

export type RequestHandler = (req: SipRequest) => number | SipResponse | undefined;

/**
 * A SIP user agent built on simpleim's own stack (real sockets), used by
 * tests to play registered devices: it registers, sends requests answering
 * digest challenges, and records and answers what it receives.
 */
export class TestUa {
  readonly transport: NodeSipTransport;
  readonly layer: TransactionLayer;
  readonly inbox: SipRequest[] = [];
  readonly local: HostPort;
  handler: RequestHandler = () => 200;
  private readonly o: Required<Omit<TestUaOptions, 'password' | 'algorithm'>> & { password?: string; algorithm?: DigestAlgorithm };
  private readonly callId = newCallId();
  private cseq = 0;
  private nc = 0;
  private waiters: Array<() => void> = [];

  private constructor(o: TestUaOptions, transport: NodeSipTransport, local: HostPort) {
    this.o = { domain: 'example.com', protocol: 'UDP', ...o };
    this.transport = transport;
    this.local = local;
    this.layer = new TransactionLayer({
      transport,
      clock: systemClock,
      core: {
        receiveRequest: (req, inc) => this.receive(req, inc),
        receiveAck: () => undefined,
      },
    });
  }

  static async create(o: TestUaOptions): Promise<TestUa> {
    const transport = new NodeSipTransport({ hostname: '127.0.0.1' });
    const protocol = o.protocol ?? 'UDP';
    const local =
      protocol === 'UDP'
        ? await transport.listenUdp({ host: '127.0.0.1', port: 0 })
        : await transport.listenTcp({ host: '127.0.0.1', port: 0 });
    return new TestUa(o, transport, local);
  }

  get aor(): string {
    return `sip:${this.o.user}@${this.o.domain}`;
  }

  get server(): Endpoint {
    return { protocol: this.o.protocol, address: '127.0.0.1', port: this.o.serverPort };
  }

  contactUri(): string {
    return `sip:${this.o.user}@127.0.0.1:${this.local.port}${this.o.protocol === 'TCP' ? ';transport=tcp' : ''}`;
  }

  private receive(req: SipRequest, inc: Incoming): void {
    this.inbox.push(req);
    for (const w of this.waiters.splice(0)) w();
    const tx = this.layer.createServerTransaction(req, inc.flow);
    const r = this.handler(req);
    if (r === undefined) return;
    tx.respond(typeof r === 'number' ? createResponse(req, r, { toTag: newTag() }) : r);
  }

  /** Waits until a received request satisfies `pred` (or throws after `ms`). */
  async waitFor(pred: (r: SipRequest) => boolean, ms = 5000): Promise<SipRequest> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.inbox.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.o.user}: no matching request within ${ms} ms (inbox: ${this.inbox.map((r) => r.method).join(',')})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async register(opts: { expires?: number; contactParams?: string; headers?: ReadonlyArray<readonly [string, string]>; auth?: boolean } = {}) {
    const contact = `<${this.contactUri()}>${opts.contactParams ?? ';+g.oma.sip-im'}`;
    return this.request('REGISTER', `sip:${this.o.domain}`, {
      to: this.aor,
      headers: [['Contact', contact], ['Expires', String(opts.expires ?? 600)], ...(opts.headers ?? [])],
      sameCallId: true,
      auth: opts.auth,
    });
  }

  /** Sends a request and resolves with its final response, answering one 401/407 when `auth` (default true). */
  async request(
    method: string,
    uri: string,
    opts: {
      to?: string;
      from?: string;
      headers?: ReadonlyArray<readonly [string, string]>;
      body?: string;
      contentType?: string;
      auth?: boolean;
      sameCallId?: boolean;
      onProvisional?: (r: SipResponse) => void;
    } = {},
  ): Promise<SipResponse> {
    const callId = opts.sameCallId ? this.callId : newCallId();
    const fromTag = newTag();
    const build = (extra: ReadonlyArray<readonly [string, string]>) => {
      const req = new SipRequest(method, uri);
      req.append('Max-Forwards', '70');
      req.append('From', `<${opts.from ?? this.aor}>;tag=${fromTag}`);
      req.append('To', `<${opts.to ?? uri}>`);
      req.append('Call-ID', callId);
      req.append('CSeq', `${++this.cseq} ${method}`);
      if (method !== 'REGISTER') req.append('Contact', `<${this.contactUri()}>`);
      for (const [n, v] of opts.headers ?? []) req.append(n, v);
      for (const [n, v] of extra) req.append(n, v);
      if (opts.body !== undefined) {
        req.append('Content-Type', opts.contentType ?? 'text/plain');
        req.body = Buffer.from(opts.body);
      }
      return req;
    };
    let res = await this.send(build([]), opts.onProvisional);
    if ((res.status === 401 || res.status === 407) && opts.auth !== false && this.o.password !== undefined) {
      const header = res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
      const challenges = res.getLines(header).map(parseChallenge);
      const chosen = challenges.find((c) => (c.algorithm ?? 'MD5') === (this.o.algorithm ?? 'MD5')) ?? challenges[0]!;
      const creds = answerChallenge(chosen, {
        username: this.o.user,
        password: this.o.password,
        method,
        uri,
        cnonce: randomBytes(8).toString('hex'),
        nc: ++this.nc,
      });
      res = await this.send(build([[res.status === 401 ? 'Authorization' : 'Proxy-Authorization', serializeCredentials(creds)]]), opts.onProvisional);
    }
    return res;
  }

  /** Sends one request through a client transaction and resolves with the final response. */
  send(req: SipRequest, onProvisional?: (r: SipResponse) => void, to: Endpoint = this.server): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      this.layer.sendRequest(req, to, {
        receiveResponse: (r) => {
          if (r.status < 200) onProvisional?.(r);
          else resolve(r);
        },
        onRequestTimeout: () => reject(new Error(`${req.method} timed out`)),
        onTransportError: (e) => reject(e),
      });
    });
  }

  async close(): Promise<void> {
    this.layer.close();
    await this.transport.close();
  }
}

/**
 * UAs of users whose password is "<name>-pw" (as the IM tests create them),
 * made on demand against the server's SIP port and closed together.
 */
export function uaPool(sipPort: () => number) {
  const uas: TestUa[] = [];
  return {
    ua: async (user: string, protocol: 'UDP' | 'TCP' = 'UDP'): Promise<TestUa> => {
      const u = await TestUa.create({ user, password: `${user}-pw`, serverPort: sipPort(), protocol });
      uas.push(u);
      return u;
    },
    closeAll: async (): Promise<void> => {
      for (const u of uas.splice(0)) await u.close();
    },
  };
}
