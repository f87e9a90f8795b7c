import type { Clock } from '../formats/clock.js';
import { SipRequest, type SipResponse } from '../sip/message.js';
import { formatNameAddr, parseNameAddr } from '../sip/name-addr.js';
import { Params } from '../sip/params.js';
import { newCallId, newTag } from '../sip/ids.js';
import { parseUri } from '../sip/uri.js';
import type { ClientTransactionUser } from '../sip/transaction/transaction-user.js';
import type { Endpoint, Flow } from '../sip/transport/types.js';
import type { Binding } from '../store/bindings.js';
import type { DeferredMessage, DeferredMessages } from '../store/deferred-messages.js';
import { imDevices } from './terminating-function.js';

/** The header that carries a stored message's stable id (docs/decisions.md "IM server"). */
export const MESSAGE_ID_HEADER = 'Message-ID';

/** Sends one request as a UAC through a new client transaction (TransactionLayer.sendRequest). */
export interface RequestSender {
  sendRequest(request: SipRequest, destination: Flow | Endpoint, user: ClientTransactionUser): unknown;
}

/** Whether the user wants stored messages pushed on registration (IM service settings, digest §6.2). */
export interface PushSettings {
  pushEnabled(aor: string): Promise<boolean>;
}

export interface DeferredDeliveryOptions {
  readonly store: DeferredMessages;
  readonly sender: RequestSender;
  /** Where a binding is reached now (SipCore.bindingDestination). */
  readonly destinationOf: (b: Binding) => Promise<Flow | Endpoint | undefined>;
  readonly settings: PushSettings;
  readonly clock: Clock;
  /**
   * Delay between a registration and the push, so the REGISTER's 200 is on
   * its way before the first MESSAGE (a device may ignore requests until it
   * knows it is registered).
   */
  readonly pushDelayMs?: number;
  /** Requests in flight at once over a connection (in order on the stream); 1 over UDP, where order is only kept by waiting. */
  readonly window?: number;
  readonly onDelivered?: (count: number) => void;
  readonly onError?: (err: unknown) => void;
}

export interface DrainResult {
  readonly delivered: number;
  readonly failed: number;
}

const BATCH = 1000;
const MARK_DELAY_MS = 25;

/**
 * Push of deferred messages (OMA IM digest §3.4 "Push on registration"):
 * when an IM-capable device registers, every stored message it has not yet
 * acknowledged is sent to it, oldest first, as a MESSAGE from the original
 * sender (From and P-Asserted-Identity) with the original time (Date) and
 * the stable id. A device is its +sip.instance (RFC 5626 §4.1), else its
 * Contact; a message counts as delivered to it only on a 2xx from it.
 */
export class DeferredDelivery {
  private readonly running = new Map<string, { again: Binding | null }>();
  private readonly marks = new Map<string, string[]>();
  private flushing = false;

  constructor(private readonly o: DeferredDeliveryOptions) {}

  /** Registrar onChange: schedules a push to each IM-capable device that (re-)registered. */
  onRegistered(aor: string, added: readonly Binding[]): void {
    const seen = new Set<string>();
    // Push goes to the devices live delivery would choose (imDevices), judged among the ones just added.
    const devices = new Set(imDevices(added));
    for (const b of added) {
      if (!devices.has(b)) continue;
      const device = deviceKey(b);
      if (seen.has(device)) continue;
      seen.add(device);
      this.o.clock.setTimeout(() => {
        void this.pushIfWanted(aor, b).catch((e: unknown) => this.o.onError?.(e));
      }, this.o.pushDelayMs ?? 20);
    }
  }

  private async pushIfWanted(aor: string, b: Binding): Promise<void> {
    if (!(await this.o.settings.pushEnabled(aor))) return;
    await this.drain(aor, b);
  }

  /**
   * Sends `b`'s device everything pending for it. A second call for a
   * device whose push is running is folded into that push (it runs again
   * afterwards), so a device never gets two copies racing.
   */
  async drain(owner: string, b: Binding): Promise<DrainResult> {
    const device = deviceKey(b);
    const busy = this.running.get(device);
    if (busy) {
      busy.again = b;
      return { delivered: 0, failed: 0 };
    }
    const state = { again: null as Binding | null };
    this.running.set(device, state);
    let delivered = 0;
    let failed = 0;
    try {
      let binding: Binding | null = b;
      while (binding) {
        state.again = null;
        const r = await this.drainOnce(owner, binding, device);
        delivered += r.delivered;
        failed += r.failed;
        binding = state.again;
      }
    } finally {
      this.running.delete(device);
      this.flush();
    }
    return { delivered, failed };
  }

  private async drainOnce(owner: string, b: Binding, device: string): Promise<DrainResult> {
    const dest = await this.o.destinationOf(b);
    if (!dest) return { delivered: 0, failed: 0 };
    const reliable = 'reliable' in dest ? dest.reliable : dest.protocol !== 'UDP';
    const window = reliable ? Math.max(1, this.o.window ?? 64) : 1;
    const tried = new Set<string>();
    let delivered = 0;
    let failed = 0;
    let broken = false;
    for (;;) {
      const pending = (await this.o.store.pendingFor(owner, device, this.o.clock.now(), BATCH + tried.size)).filter((m) => !tried.has(m.id));
      if (pending.length === 0) break;
      // Sent in stored order; over a stream up to `window` are in flight, and arrive in that order.
      let next = 0;
      await new Promise<void>((resolve) => {
        let inFlight = 0;
        const pump = () => {
          while (!broken && inFlight < window && next < pending.length) {
            const m = pending[next++]!;
            tried.add(m.id);
            inFlight++;
            this.send(owner, b, m, dest).then((outcome) => {
              inFlight--;
              if (outcome === 'delivered') {
                delivered++;
                this.mark(device, m.id);
              } else {
                failed++;
                // A device that does not answer (or a dead connection) is gone: stop; it gets the rest when it registers again.
                if (outcome === 'gone') broken = true;
              }
              if (inFlight === 0 && (broken || next >= pending.length)) resolve();
              else pump();
            });
          }
          if (inFlight === 0) resolve();
        };
        pump();
      });
      if (broken) break;
    }
    if (delivered > 0) this.o.onDelivered?.(delivered);
    return { delivered, failed };
  }

  private send(owner: string, b: Binding, m: DeferredMessage, dest: Flow | Endpoint): Promise<'delivered' | 'refused' | 'gone'> {
    const req = buildDelivery(owner, b, m);
    return new Promise((resolve) => {
      try {
        this.o.sender.sendRequest(req, dest, {
          receiveResponse: (res: SipResponse) => {
            if (res.status < 200) return;
            resolve(res.status < 300 ? 'delivered' : res.status === 408 ? 'gone' : 'refused');
          },
          onRequestTimeout: () => resolve('gone'),
          onTransportError: () => resolve('gone'),
        });
      } catch (e) {
        this.o.onError?.(e);
        resolve('gone');
      }
    });
  }

  /**
   * Delivery records are committed in groups, at most one commit per
   * MARK_DELAY_MS: each commit is a disk sync that blocks the event loop.
   * A crash inside that window can repeat a few messages on the next
   * registration; they carry the same Message-ID, so the device can tell.
   */
  private mark(device: string, id: string): void {
    const list = this.marks.get(device);
    if (list) list.push(id);
    else this.marks.set(device, [id]);
    if (!this.flushing) {
      this.flushing = true;
      this.o.clock.setTimeout(() => this.flush(), MARK_DELAY_MS);
    }
  }

  private flush(): void {
    this.flushing = false;
    const now = this.o.clock.now();
    for (const [device, ids] of this.marks) {
      this.marks.delete(device);
      this.o.store.markDelivered(device, ids, now).catch((e: unknown) => this.o.onError?.(e));
    }
  }
}

/** The device a binding belongs to: its +sip.instance, else (a device without one) its Contact URI. */
export function deviceKey(b: Binding): string {
  return b.instance !== null ? `instance:${b.instance}` : `contact:${b.contact}`;
}

/** The MESSAGE that delivers a stored message to one device. */
export function buildDelivery(owner: string, b: Binding, m: DeferredMessage): SipRequest {
  const req = new SipRequest('MESSAGE', b.contact);
  // RFC 3327 §5.2: the Path stored with the binding is the route to the device.
  for (const p of b.path) req.append('Route', p);
  req.append('Max-Forwards', '70');
  req.append('From', `${m.from};tag=${newTag()}`);
  req.append('To', `<${owner}>`);
  req.append('Call-ID', newCallId());
  req.append('CSeq', '1 MESSAGE');
  // OMA IM digest §5: the original sender, asserted as when the message was sent.
  let display: string | null = null;
  try {
    display = parseNameAddr(m.from).displayName;
  } catch {
    // A From we stored always parses; without a display name the AoR alone is enough.
  }
  req.append('P-Asserted-Identity', formatNameAddr({ displayName: display, uri: parseUri(m.sender), params: new Params() }));
  // RFC 3261 §20.17: Date, in RFC 1123 form, carries the time the server accepted the message.
  req.append('Date', new Date(m.receivedAt).toUTCString());
  req.append(MESSAGE_ID_HEADER, m.id);
  for (const [name, value] of m.headers) req.append(name, value);
  req.body = m.body;
  return req;
}
