import type { Clock } from '../formats/clock.js';
import type { HeaderField } from '../sip/header-field.js';
import { field, SipRequest, type SipResponse } from '../sip/message.js';
import { formatNameAddr, parseNameAddr } from '../sip/name-addr.js';
import { Params } from '../sip/params.js';
import { newCallId, newTag, type RandomSource } from '../sip/ids.js';
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
  /** Tags and Call-IDs of the pushed requests (cryptoRandom by default). */
  readonly random?: RandomSource;
  readonly onDelivered?: (count: number) => void;
  /** Told after each commit of delivery records (deferred-list mirror). */
  readonly onMarked?: (owner: string, device: string, ids: readonly string[]) => void;
  readonly onError?: (err: unknown) => void;
}

export interface DrainResult {
  readonly delivered: number;
  readonly failed: number;
}

/** Stored messages read per query. */
const PAGE = 500;
const MARK_DELAY_MS = 25;

type Outcome = 'delivered' | 'refused' | 'gone';

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
  private readonly marks = new Map<string, { owner: string; device: string; ids: string[] }>();
  private flushing = false;

  constructor(private readonly o: DeferredDeliveryOptions) {}

  /** Registrar onChange: schedules a push to each IM-capable device that (re-)registered. */
  onRegistered(aor: string, added: readonly Binding[]): void {
    // Most registrations find an empty inbox: known from memory, no timer, no query.
    if (!this.o.store.mayHold(aor)) return;
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
    // One device (+sip.instance) may register several AoRs: a push is per user and device.
    const run = `${owner}\n${device}`;
    const busy = this.running.get(run);
    if (busy) {
      busy.again = b;
      return { delivered: 0, failed: 0 };
    }
    const state = { again: null as Binding | null };
    this.running.set(run, state);
    let delivered = 0;
    let failed = 0;
    try {
      let binding: Binding | null = b;
      while (binding) {
        state.again = null;
        const dest = await this.o.destinationOf(binding);
        if (dest) {
          const r = await new DevicePush(this, owner, binding, device, dest).run();
          delivered += r.delivered;
          failed += r.failed;
          if (r.delivered > 0) this.o.onDelivered?.(r.delivered);
        }
        binding = state.again;
        // What was acknowledged is committed before the next run reads what is pending.
        if (binding) this.flush();
      }
    } finally {
      this.running.delete(run);
      this.flush();
    }
    return { delivered, failed };
  }

  /** @internal DevicePush's access to the options. */
  get options(): DeferredDeliveryOptions {
    return this.o;
  }

  /**
   * Delivery records are committed in groups, at most one commit per
   * MARK_DELAY_MS, instead of one commit per 2xx. A crash inside that
   * window can repeat a few messages on the next registration; they carry
   * the same Message-ID, so the device can tell.
   * @internal
   */
  mark(owner: string, device: string, id: string): void {
    const key = `${owner}\n${device}`;
    const list = this.marks.get(key);
    if (list) list.ids.push(id);
    else this.marks.set(key, { owner, device, ids: [id] });
    if (!this.flushing) {
      this.flushing = true;
      this.o.clock.setTimeout(() => this.flush(), MARK_DELAY_MS);
    }
  }

  private flush(): void {
    this.flushing = false;
    const now = this.o.clock.now();
    for (const [key, { owner, device, ids }] of this.marks) {
      this.marks.delete(key);
      this.o.store.markDelivered(device, ids, now).then(
        () => this.o.onMarked?.(owner, device, ids),
        (e: unknown) => this.o.onError?.(e),
      );
    }
  }
}

/**
 * One run of the push to one device: pages of stored messages read with a
 * cursor (each message is read once per run), up to `window` requests in
 * flight, one callback object per request instead of a promise.
 */
class DevicePush {
  private readonly window: number;
  private readonly build: DeliveryBuilder;
  private queue: DeferredMessage[] = [];
  private next = 0;
  private cursor = 0;
  private exhausted = false;
  private fetching = false;
  private inFlight = 0;
  private broken = false;
  private delivered = 0;
  private failed = 0;
  private finish: () => void = () => undefined;

  constructor(
    private readonly parent: DeferredDelivery,
    private readonly owner: string,
    binding: Binding,
    private readonly device: string,
    private readonly dest: Flow | Endpoint,
  ) {
    const o = parent.options;
    const reliable = 'reliable' in dest ? dest.reliable : dest.protocol !== 'UDP';
    this.window = reliable ? Math.max(1, o.window ?? 64) : 1;
    this.build = new DeliveryBuilder(owner, binding, o.random);
  }

  run(): Promise<DrainResult> {
    return new Promise((resolve) => {
      this.finish = () => resolve({ delivered: this.delivered, failed: this.failed });
      this.pump();
    });
  }

  private pump(): void {
    // Sent in stored order; over a stream the requests arrive in that order.
    while (!this.broken && this.inFlight < this.window && this.next < this.queue.length) {
      this.send(this.queue[this.next++]!);
    }
    if (!this.broken && !this.exhausted && !this.fetching && this.queue.length - this.next < this.window) this.fetch();
    if (this.inFlight === 0 && !this.fetching && (this.broken || (this.exhausted && this.next >= this.queue.length))) this.finish();
  }

  private fetch(): void {
    this.fetching = true;
    const o = this.parent.options;
    o.store.pendingFor(this.owner, this.device, o.clock.now(), PAGE, this.cursor).then(
      (page) => {
        this.fetching = false;
        if (page.length < PAGE) this.exhausted = true;
        if (page.length > 0) {
          this.cursor = page[page.length - 1]!.seq;
          this.queue = this.queue.slice(this.next).concat(page);
          this.next = 0;
        }
        this.pump();
      },
      (e: unknown) => {
        this.fetching = false;
        this.exhausted = true;
        o.onError?.(e);
        this.pump();
      },
    );
  }

  private send(m: DeferredMessage): void {
    const req = this.build.request(m);
    const attempt = new PushAttempt(this, m.id);
    this.inFlight++;
    try {
      this.parent.options.sender.sendRequest(req, this.dest, attempt);
    } catch (e) {
      this.parent.options.onError?.(e);
      attempt.settle('gone');
    }
  }

  /** @internal PushAttempt: the final answer to one request. */
  settled(id: string, outcome: Outcome): void {
    this.inFlight--;
    if (outcome === 'delivered') {
      this.delivered++;
      this.parent.mark(this.owner, this.device, id);
    } else {
      this.failed++;
      // A device that does not answer (or a dead connection) is gone: stop; it gets the rest when it registers again.
      if (outcome === 'gone') this.broken = true;
    }
    this.pump();
  }
}

/** The transaction user of one pushed request. */
class PushAttempt implements ClientTransactionUser {
  private done = false;

  constructor(
    private readonly push: DevicePush,
    private readonly id: string,
  ) {}

  receiveResponse(res: SipResponse): void {
    if (res.status < 200) return;
    // RFC 3261 §8.1.3.1: a 408 is the same as no answer at all.
    this.settle(res.status < 300 ? 'delivered' : res.status === 408 ? 'gone' : 'refused');
  }

  onRequestTimeout(): void {
    this.settle('gone');
  }

  onTransportError(): void {
    this.settle('gone');
  }

  settle(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    this.push.settled(this.id, outcome);
  }
}

/** The device a binding belongs to: its +sip.instance, else (a device without one) its Contact URI. */
export function deviceKey(b: Binding): string {
  return b.instance !== null ? `instance:${b.instance}` : `contact:${b.contact}`;
}

interface SenderFields {
  readonly sender: string;
  /** The stored From (display name and URI), without a tag. */
  readonly from: string;
  readonly pai: HeaderField;
}

const MAX_FORWARDS = field('Max-Forwards', '70');
const CSEQ = field('CSeq', '1 MESSAGE');

/**
 * Builds the MESSAGEs that deliver stored messages to one device. What is
 * the same for every message (Route, To) is built once; what is the same
 * for every message of one sender (From without tag, P-Asserted-Identity)
 * or one second (Date) is built once per sender or second.
 */
export class DeliveryBuilder {
  private readonly fixed: HeaderField[];
  private readonly to: HeaderField;
  private readonly senders = new Map<string, SenderFields>();
  private last: SenderFields | undefined;
  private readonly stored = new WeakMap<object, HeaderField[]>();
  private dateMs = NaN;
  private date: HeaderField | undefined;

  constructor(
    owner: string,
    private readonly binding: Binding,
    private readonly random?: RandomSource,
  ) {
    // RFC 3327 §5.2: the Path stored with the binding is the route to the device.
    this.fixed = binding.path.map((p) => field('Route', p));
    this.to = field('To', `<${owner}>`);
  }

  /** The MESSAGE for `m`, without a Via (the transaction layer adds it). */
  request(m: DeferredMessage): SipRequest {
    const s = this.senderOf(m);
    const headers = this.fixed.slice();
    headers.push(
      MAX_FORWARDS,
      field('From', `${s.from};tag=${newTag(this.random)}`),
      this.to,
      field('Call-ID', newCallId(this.random)),
      CSEQ,
      // OMA IM digest §5: the original sender, asserted as when the message was sent.
      s.pai,
      this.dateOf(m.receivedAt),
      field(MESSAGE_ID_HEADER, m.id),
    );
    for (const h of this.storedHeaders(m.headers)) headers.push(h);
    return new SipRequest('MESSAGE', this.binding.contact, headers, m.body);
  }

  private senderOf(m: DeferredMessage): SenderFields {
    const last = this.last;
    if (last !== undefined && last.sender === m.sender && last.from === m.from) return last;
    const key = `${m.sender}\n${m.from}`;
    let s = this.senders.get(key);
    if (s === undefined) {
      let display: string | null = null;
      try {
        display = parseNameAddr(m.from).displayName;
      } catch {
        // A From we stored always parses; without a display name the AoR alone is enough.
      }
      const pai = formatNameAddr({ displayName: display, uri: parseUri(m.sender), params: new Params() });
      s = { sender: m.sender, from: m.from, pai: field('P-Asserted-Identity', pai) };
      this.senders.set(key, s);
    }
    this.last = s;
    return s;
  }

  /** RFC 3261 §20.17: Date, in RFC 1123 form, carries the time the server accepted the message. */
  private dateOf(ms: number): HeaderField {
    const second = Math.floor(ms / 1000);
    if (second !== this.dateMs || this.date === undefined) {
      this.dateMs = second;
      this.date = field('Date', new Date(ms).toUTCString());
    }
    return this.date;
  }

  private storedHeaders(list: DeferredMessage['headers']): HeaderField[] {
    let h = this.stored.get(list);
    if (h === undefined) {
      h = list.map(([name, value]) => field(name, value));
      this.stored.set(list, h);
    }
    return h;
  }
}

/** The MESSAGE that delivers a stored message to one device (without a Via: the transaction layer adds it). */
export function buildDelivery(owner: string, b: Binding, m: DeferredMessage): SipRequest {
  return new DeliveryBuilder(owner, b).request(m);
}
