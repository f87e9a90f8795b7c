import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { parseMessage } from '../../../src/sip/parser.js';
import { StreamFramer, type StreamEvent } from '../../../src/sip/stream-framer.js';
import type { SipMessage } from '../../../src/sip/message.js';
import { ManualClock } from '../../../src/formats/clock.js';
import { field, SipRequest } from '../../../src/sip/message.js';
import { createResponse } from '../../../src/sip/response.js';
import { formatHost } from '../../../src/sip/transport/ip.js';
import { NodeSipTransport, type NodeSipTransportOptions } from '../../../src/sip/transport/node-transport.js';
import type { Incoming, SipTransport, TransportProtocol } from '../../../src/sip/transport/types.js';

export const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
export const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

export type TestTransport = NodeSipTransport & { manualClock: ManualClock };

/** A transport on a manual clock, so no test waits on a real timer. */
export function transport(opts: NodeSipTransportOptions = {}, ctx?: TestContext): TestTransport {
  const clock = new ManualClock();
  const t = new NodeSipTransport({ clock, hostname: 'test.invalid', ...opts }) as TestTransport;
  t.manualClock = clock;
  // Closed after the test even when it fails or times out, so node:test can exit.
  ctx?.after(() => t.close());
  return t;
}

/** A raw TCP or TLS client socket whose received bytes are framed as SIP. */
export class RawStream {
  readonly events: StreamEvent[] = [];
  private readonly framer = new StreamFramer();
  private waiting: (() => void) | undefined;
  readonly closed: Promise<void>;
  received = '';

  constructor(readonly socket: Socket) {
    socket.on('data', (b: Buffer) => {
      this.received += b.toString('latin1');
      this.events.push(...this.framer.push(b));
      this.waiting?.();
    });
    socket.on('error', () => {});
    this.closed = new Promise((r) => socket.once('close', () => r()));
  }

  static async connect(port: number, host = '127.0.0.1', ctx?: TestContext): Promise<RawStream> {
    const s = netConnect({ host, port });
    ctx?.after(() => void s.destroy());
    await new Promise((r) => s.once('connect', r));
    return new RawStream(s);
  }

  write(b: Uint8Array | string): void {
    this.socket.write(b);
  }

  /** The next framed message, parsed. */
  async nextMessage(): Promise<SipMessage> {
    for (;;) {
      const i = this.events.findIndex((e) => e.type === 'message');
      if (i !== -1) {
        const [e] = this.events.splice(i, 1);
        return parseMessage((e as { bytes: Uint8Array }).bytes);
      }
      await new Promise<void>((r) => (this.waiting = r));
    }
  }

  /** Resolves once the raw received text contains `s`. */
  async until(s: string): Promise<void> {
    while (!this.received.includes(s)) await new Promise<void>((r) => (this.waiting = r));
  }
}

/** Collects what a transport hands up, in order. */
export class Inbox {
  private readonly queue: Incoming[] = [];
  private readonly waiting: ((i: Incoming) => void)[] = [];

  constructor(t: SipTransport) {
    t.onMessage = (i) => {
      const w = this.waiting.shift();
      if (w) w(i);
      else this.queue.push(i);
    };
  }

  next(): Promise<Incoming> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  get size(): number {
    return this.queue.length;
  }
}

/** A MESSAGE as a UAC would build it, with its Via from the transport's sent-by. */
export function request(t: SipTransport, protocol: TransportProtocol, body = 'hello', rport = true): SipRequest {
  const sb = t.sentBy(protocol);
  const branch = 'z9hG4bK' + randomBytes(6).toString('hex');
  return new SipRequest(
    'MESSAGE',
    'sip:bob@example.com',
    [
      field('Via', `SIP/2.0/${protocol} ${formatHost(sb.address)}:${sb.port}${rport ? ';rport' : ''};branch=${branch}`),
      field('Max-Forwards', '70'),
      field('From', '<sip:alice@example.com>;tag=a1'),
      field('To', '<sip:bob@example.com>'),
      field('Call-ID', randomBytes(8).toString('hex')),
      field('CSeq', '1 MESSAGE'),
      field('Content-Type', 'text/plain'),
    ],
    enc(body),
  );
}

export function ok(req: SipRequest) {
  return createResponse(req, 200, { toTag: 'b1' });
}

export function once<T>(register: (cb: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

/** A throw-away self-signed certificate for localhost / 127.0.0.1 in a temp dir. */
export function selfSignedCert(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'simpleim-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
