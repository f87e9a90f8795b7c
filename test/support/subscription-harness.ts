import assert from 'node:assert/strict';
import type { ManualClock } from '../../src/formats/clock.js';
import type { CoreHooks, LocalRequest } from '../../src/core/sip-core.js';
import { SipRequest, type SipResponse } from '../../src/sip/message.js';
import { createResponse } from '../../src/sip/response.js';
import { newCallId, newTag } from '../../src/sip/ids.js';
import { TransactionLayer } from '../../src/sip/transaction/transaction-layer.js';
import type { Incoming } from '../../src/sip/transport/types.js';
import type { LoopNetwork } from './loop-transport.js';

const ALICE = 'sip:alice@example.com';

export interface SubscriptionHarnessOptions {
  readonly clock: ManualClock;
  readonly net: LoopNetwork;
  /** The server's host on the loop network. */
  readonly serverHost: string;
  /** The Event package subscribed to. */
  readonly event: string;
  /** The notifier's hooks, asked for per request (the notifier is made after the layer it needs). */
  readonly hooks: () => CoreHooks;
  /** The authenticated AoR the core hands out-of-dialog requests with (null: another domain). */
  readonly originator?: string | null;
}

/**
 * A notifier's two ends on a loop network, as the real server wires them:
 * the server layer hands requests to the notifier's hooks the way the SIP
 * core does (the originator is authenticated outside dialogs only; a request
 * nobody takes gets 404), and "alice.test" subscribes, answering every
 * NOTIFY with `notifyStatus` and keeping it.
 */
export function subscriptionHarness(o: SubscriptionHarnessOptions) {
  const { clock, net } = o;
  const originator = o.originator === undefined ? ALICE : o.originator;
  const serverLayer: TransactionLayer = new TransactionLayer({
    transport: net.transport(o.serverHost),
    clock,
    core: {
      receiveRequest: (req: SipRequest, incoming: Incoming) => {
        const tx = serverLayer.createServerTransaction(req, incoming.flow);
        const inDialog = req.to().params.get('tag') !== undefined;
        const r: LocalRequest = { request: req, tx, incoming, originator: inDialog ? null : originator, target: ALICE };
        const hooks = o.hooks();
        void (inDialog ? hooks.serviceRequest!(r) : hooks.beforeLocation!(r)).then((took) => {
          if (!took) tx.respond(createResponse(req, 404, { toTag: newTag() }));
        });
      },
      receiveAck: () => undefined,
    },
  });
  const notifies: SipRequest[] = [];
  let notifyStatus = 200;
  const aliceTransport = net.transport('alice.test');
  const clientLayer: TransactionLayer = new TransactionLayer({
    transport: aliceTransport,
    clock,
    core: {
      receiveRequest: (req: SipRequest, incoming: Incoming) => {
        notifies.push(req);
        clientLayer.createServerTransaction(req, incoming.flow).respond(createResponse(req, notifyStatus));
      },
      receiveAck: () => undefined,
    },
  });
  const callId = newCallId();
  const fromTag = newTag();
  let cseq = 0;
  let toTag: string | undefined;
  let target = ALICE;

  async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      clock.advance(0);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Sends a SUBSCRIBE (a refresh once the dialog exists) and lets the network deliver everything. */
  async function subscribe(
    expires: number | null,
    extra: { headers?: ReadonlyArray<readonly [string, string]>; body?: { type: string; text: string } } = {},
  ): Promise<SipResponse> {
    const req = new SipRequest('SUBSCRIBE', target);
    req.append('Max-Forwards', '70');
    req.append('From', `<${ALICE}>;tag=${fromTag}`);
    req.append('To', toTag === undefined ? `<${ALICE}>` : `<${ALICE}>;tag=${toTag}`);
    req.append('Call-ID', callId);
    req.append('CSeq', `${++cseq} SUBSCRIBE`);
    req.append('Contact', '<sip:alice@alice.test:5060>');
    req.append('Event', o.event);
    if (expires !== null) req.append('Expires', String(expires));
    for (const [n, v] of extra.headers ?? []) req.append(n, v);
    if (extra.body) {
      req.append('Content-Type', extra.body.type);
      req.body = new TextEncoder().encode(extra.body.text);
    }
    let res: SipResponse | undefined;
    clientLayer.sendRequest(req, { protocol: 'UDP', address: o.serverHost, port: 5060 }, { receiveResponse: (r) => (res = r) });
    await settle();
    assert.ok(res, 'a response arrived');
    if (res.status === 200 && toTag === undefined) {
      toTag = res.to().params.get('tag') ?? undefined;
      target = /<([^>]+)>/.exec(res.get('contact')!)![1]!;
    }
    return res;
  }

  return {
    serverLayer,
    notifies,
    subscribe,
    settle,
    rejected: aliceTransport.rejected,
    setNotifyStatus: (s: number) => (notifyStatus = s),
  };
}
