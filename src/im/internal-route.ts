import type { Clock, TimerHandle } from '../formats/clock.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { parseMessage } from '../sip/parser.js';
import { createResponse } from '../sip/response.js';
import type { Flow, HostPort, Incoming } from '../sip/transport/types.js';

/** What takes a request as if it had arrived from the network: the SIP/IP core. */
export interface RequestReceiver {
  receiveRequest(request: SipRequest, incoming: Incoming): void;
}

export interface InternalRouteOptions {
  readonly core: RequestReceiver;
  /** An address the core counts as its own, so the request's P-Asserted-Identity is trusted (a spiral, RFC 3261 §16). */
  readonly self: () => HostPort;
  /** A Via for the request (TransactionLayer.createVia('TCP')). */
  readonly createVia: () => string;
  readonly clock: Clock;
  /** Give up waiting after this long (RFC 3261 Timer F, 64*T1). */
  readonly timeoutMs?: number;
}

/**
 * Internal routing between the IM server's logical UAs and the SIP/IP
 * core (OMA IM digest §8.1: "separate logical UAs joined by internal
 * routing"). A request the controlling function originates (one copy of an
 * exploded URI-list MESSAGE) enters the core like one received from the
 * network, over a loop flow whose far end is the server itself, so the
 * recipient's terminating participating function sees it exactly as any
 * other request; the core's final response comes back over the same flow.
 */
export class InternalRoute {
  private readonly waiting = new Map<string, { resolve: (r: SipResponse) => void; timer: TimerHandle }>();
  private readonly flow: Flow;

  constructor(private readonly o: InternalRouteOptions) {
    const route = this;
    this.flow = {
      id: 'im-internal',
      protocol: 'TCP',
      get local() {
        return o.self();
      },
      get remote() {
        return o.self();
      },
      reliable: true,
      secure: false,
      open: true,
      send(bytes: Uint8Array) {
        route.receive(bytes);
      },
      close() {},
    };
  }

  /** Sends `req` through the core and resolves with its final response. */
  send(req: SipRequest): Promise<SipResponse> {
    req.prepend('Via', this.o.createVia());
    const branch = req.topVia().params.get('branch') ?? '';
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => {
        this.waiting.delete(branch);
        resolve(createResponse(req, 408));
      }, this.o.timeoutMs ?? 32_000);
      this.waiting.set(branch, { resolve, timer });
      this.o.core.receiveRequest(req, { message: req, flow: this.flow, receivedAt: this.o.clock.now() });
    });
  }

  private receive(bytes: Uint8Array): void {
    const msg = parseMessage(bytes);
    if (msg.kind !== 'response' || msg.status < 200) return;
    const branch = msg.topVia().params.get('branch') ?? '';
    const w = this.waiting.get(branch);
    if (!w) return;
    this.waiting.delete(branch);
    this.o.clock.clearTimeout(w.timer);
    w.resolve(msg);
  }
}
