import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../../src/formats/clock.js';
import { field, SipRequest } from '../../../src/sip/message.js';
import { createResponse } from '../../../src/sip/response.js';
import { formatHost } from '../../../src/sip/transport/ip.js';
import { NodeSipTransport, type NodeSipTransportOptions } from '../../../src/sip/transport/node-transport.js';
import type { Incoming, SipTransport, TransportProtocol } from '../../../src/sip/transport/types.js';

export const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
export const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/** A transport on a manual clock, so no test waits on a real timer. */
export function transport(opts: NodeSipTransportOptions = {}): NodeSipTransport & { clock: ManualClock } {
  const clock = new ManualClock();
  const t = new NodeSipTransport({ clock, hostname: 'test.invalid', ...opts }) as NodeSipTransport & { clock: ManualClock };
  t.clock = clock;
  return t;
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
