import { ManualClock } from '../../../src/formats/clock.js';
import { field, SipRequest, type SipResponse } from '../../../src/sip/message.js';
import type { ServerNonInviteTransaction } from '../../../src/sip/transaction/server-non-invite-transaction.js';
import type { ServerInviteTransaction } from '../../../src/sip/transaction/server-invite-transaction.js';
import { TransactionLayer, type TransactionCore } from '../../../src/sip/transaction/transaction-layer.js';
import type { ClientTransactionUser, ServerTransactionUser } from '../../../src/sip/transaction/transaction-user.js';
import type { Endpoint, Incoming, TransportProtocol } from '../../../src/sip/transport/types.js';
import { LoopNetwork, type LoopTransport } from '../../support/loop-transport.js';

/** A core that records what the layer hands up and lets the test answer. */
export class RecordingCore implements TransactionCore {
  readonly requests: Incoming[] = [];
  readonly acks: SipRequest[] = [];
  readonly stray: SipResponse[] = [];
  readonly cancels: Array<{ cancel: ServerNonInviteTransaction; invite: ServerInviteTransaction }> = [];
  onRequest: ((request: SipRequest, incoming: Incoming) => void) | undefined;
  onCancel: ((cancel: ServerNonInviteTransaction, invite: ServerInviteTransaction) => void) | undefined;

  receiveRequest(request: SipRequest, incoming: Incoming): void {
    this.requests.push(incoming);
    this.onRequest?.(request, incoming);
  }

  receiveAck(ack: SipRequest): void {
    this.acks.push(ack);
  }

  receiveStrayResponse(response: SipResponse): void {
    this.stray.push(response);
  }
}

/** A core with CANCEL handling (a UAS). */
export class CancelAwareCore extends RecordingCore {
  receiveCancel(cancel: ServerNonInviteTransaction, invite: ServerInviteTransaction): void {
    this.cancels.push({ cancel, invite });
    this.onCancel?.(cancel, invite);
  }
}

/** A client TU that records responses with the clock time they arrived. */
export class RecordingUser implements ClientTransactionUser {
  readonly responses: Array<{ at: number; response: SipResponse }> = [];
  timedOutAt: number | undefined;
  transportError: Error | undefined;
  terminatedAt: number | undefined;
  constructor(private readonly clock: ManualClock) {}
  receiveResponse(response: SipResponse): void {
    this.responses.push({ at: this.clock.now(), response });
  }
  onRequestTimeout(): void {
    this.timedOutAt = this.clock.now();
  }
  onTransportError(error: Error): void {
    this.transportError = error;
  }
  onTerminated(): void {
    this.terminatedAt = this.clock.now();
  }
  get statuses(): number[] {
    return this.responses.map((r) => r.response.status);
  }
}

export class RecordingServerUser implements ServerTransactionUser {
  readonly acks: SipRequest[] = [];
  timedOutAt: number | undefined;
  transportError: Error | undefined;
  terminatedAt: number | undefined;
  constructor(private readonly clock: ManualClock) {}
  receiveAck(ack: SipRequest): void {
    this.acks.push(ack);
  }
  onTimeout(): void {
    this.timedOutAt = this.clock.now();
  }
  onTransportError(error: Error): void {
    this.transportError = error;
  }
  onTerminated(): void {
    this.terminatedAt = this.clock.now();
  }
}

export interface Harness {
  readonly clock: ManualClock;
  readonly net: LoopNetwork;
  readonly aliceTransport: LoopTransport;
  readonly bobTransport: LoopTransport;
  readonly alice: TransactionLayer;
  readonly bob: TransactionLayer;
  readonly aliceCore: RecordingCore;
  readonly bobCore: CancelAwareCore;
  /** Where alice sends to reach bob. */
  readonly toBob: Endpoint;
  /** Clock time the harness started at. */
  readonly t0: number;
}

export function harness(protocol: TransportProtocol = 'UDP', delay = 0): Harness {
  const clock = new ManualClock();
  const net = new LoopNetwork({ clock, delay });
  const aliceTransport = net.transport('alice.test', 5060);
  const bobTransport = net.transport('bob.test', 5060);
  const aliceCore = new RecordingCore();
  const bobCore = new CancelAwareCore();
  const alice = new TransactionLayer({ transport: aliceTransport, clock, core: aliceCore });
  const bob = new TransactionLayer({ transport: bobTransport, clock, core: bobCore });
  return {
    clock,
    net,
    aliceTransport,
    bobTransport,
    alice,
    bob,
    aliceCore,
    bobCore,
    toBob: { protocol, address: 'bob.test', port: 5060 },
    t0: clock.now(),
  };
}

let counter = 0;

/** A request from alice to bob, without Via (the transaction layer adds it). */
export function makeRequest(
  method: string,
  opts: { callId?: string; cseq?: number; fromTag?: string; toTag?: string; route?: string[] } = {},
): SipRequest {
  counter++;
  const headers = [
    ...(opts.route ?? []).map((r) => field('Route', r)),
    field('Max-Forwards', '70'),
    field('From', `Alice <sip:alice@example.com>;tag=${opts.fromTag ?? 'a' + counter}`),
    field('To', `Bob <sip:bob@example.com>${opts.toTag ? ';tag=' + opts.toTag : ''}`),
    field('Call-ID', opts.callId ?? `call-${counter}@alice.test`),
    field('CSeq', `${opts.cseq ?? 1} ${method}`),
    field('Contact', '<sip:alice@alice.test>'),
  ];
  return new SipRequest(method, 'sip:bob@bob.test', headers);
}

/** Times of the packets relative to t0. */
export function times(h: Harness, packets: ReadonlyArray<{ at: number }>): number[] {
  return packets.map((p) => p.at - h.t0);
}

/** Lets the transport's promises settle (send results, transport errors). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
