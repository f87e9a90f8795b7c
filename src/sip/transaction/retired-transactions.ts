import { latin1Decode, latin1Encode } from '../../formats/bytes.js';
import type { Clock, TimerHandle } from '../../formats/clock.js';
import type { Flow } from '../transport/types.js';

/** What a retired entry needs from the transaction object it stands for. */
export interface Retirable {
  readonly key: string;
  terminate(): void;
}

/**
 * A transaction past its final response, reduced to what its last state
 * still does (RFC 3261 §17.1.2.2 Completed / Timer K: absorb response
 * retransmissions; §17.2.2 Completed / Timer J: "pass the final response
 * to the transport layer for retransmission whenever a retransmission of
 * the request is received"). On UDP these states last up to 64*T1 (32 s),
 * so at a thousand requests a second the full objects (request, response,
 * transaction user) would pile up by the tens of thousands.
 */
export interface RetiredEntry<T extends Retirable> {
  readonly key: string;
  /** Clock time the state's timer ends it. */
  readonly expiresAt: number;
  /**
   * The transaction object, held only when someone waits to hear that it
   * ended (a TU with onTerminated, a state listener). Otherwise the layer
   * lets go of it (not even a WeakRef: V8's scavenger keeps WeakRef targets
   * alive, so every such transaction with its messages would be promoted to
   * the old generation and wait there for a full collection).
   */
  readonly tx: T | undefined;
  /**
   * Server side: the final response as sent, resent on every request
   * retransmission, one character per octet. A string, not bytes: strings
   * live in V8's heap, which compacts and gives pages back after a burst;
   * 32 s worth of small buffers (or of large shared ones) sat in the C
   * allocator's arenas, which kept their memory after they were freed (a
   * registration storm of 100,000 left 76 MB there).
   */
  readonly octets: string | undefined;
  /** Where the response went: the flow the transport reported for its first send. */
  flow: Flow | undefined;
  /** The layer's merged-request index entry (RFC 3261 §8.2.2.2), dropped with the entry. */
  readonly mergeKey: string | undefined;
  ended: boolean;
}

/**
 * Retired transactions of one side (client or server), keyed like the live
 * ones, with one timer for all: entries of one duration expire in the order
 * they were added, so each duration is a queue and the timer is set for the
 * earliest head. Each entry still ends exactly when its own Table 4 timer
 * says.
 */
export class RetiredTransactions<T extends Retirable> {
  private readonly entries = new Map<string, RetiredEntry<T>>();
  private readonly queues = new Map<number, { items: Array<RetiredEntry<T> | undefined>; head: number }>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    /** Told when an entry's timer ends it (after the transaction, if still held, was terminated). */
    private readonly expired: (entry: RetiredEntry<T>) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): RetiredEntry<T> | undefined {
    return this.entries.get(key);
  }

  /** The transaction object of an entry, when it is still alive. */
  static live<T extends Retirable>(entry: RetiredEntry<T>): T | undefined {
    return entry.tx;
  }

  add(tx: T, ms: number, keep: boolean, bytes?: Uint8Array, flow?: Flow, mergeKey?: string): RetiredEntry<T> {
    const entry: RetiredEntry<T> = {
      key: tx.key,
      expiresAt: this.clock.now() + ms,
      tx: keep ? tx : undefined,
      octets: bytes === undefined ? undefined : latin1Decode(bytes),
      flow,
      mergeKey,
      ended: false,
    };
    const old = this.entries.get(tx.key);
    if (old !== undefined) old.ended = true;
    this.entries.set(tx.key, entry);
    let q = this.queues.get(ms);
    if (q === undefined) this.queues.set(ms, (q = { items: [], head: 0 }));
    q.items.push(entry);
    if (entry.expiresAt < this.timerAt) this.arm(entry.expiresAt);
    return entry;
  }

  /** Forgets the entry of `tx` (it ended some other way: a transport error, shutdown). */
  remove(tx: T): RetiredEntry<T> | undefined {
    const e = this.entries.get(tx.key);
    if (e === undefined || RetiredTransactions.live(e) !== tx) return undefined;
    e.ended = true;
    this.entries.delete(tx.key);
    return e;
  }

  /** Ends every entry now (shutdown): the transactions still held are terminated. */
  clear(): void {
    const all = [...this.entries.values()];
    this.entries.clear();
    this.queues.clear();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const e of all) this.end(e);
  }

  private arm(at: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.sweep(), at - this.clock.now());
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    const due: Array<RetiredEntry<T>> = [];
    let next = Infinity;
    for (const [ms, q] of this.queues) {
      const items = q.items;
      while (q.head < items.length) {
        const e = items[q.head]!;
        if (e.expiresAt > now) break;
        items[q.head++] = undefined;
        if (!e.ended) due.push(e);
      }
      if (q.head === items.length) this.queues.delete(ms);
      else {
        if (q.head > 1024 && q.head * 2 > items.length) {
          q.items = items.slice(q.head);
          q.head = 0;
        }
        next = Math.min(next, q.items[q.head]!.expiresAt);
      }
    }
    for (const e of due) {
      if (this.entries.get(e.key) === e) this.entries.delete(e.key);
      this.end(e);
    }
    // Ending a transaction may have added entries (and armed the timer) meanwhile.
    if (next < this.timerAt) this.arm(next);
  }

  /** The final response of a retired server entry, to send again (undefined for a client entry). */
  static bytes(entry: RetiredEntry<Retirable>): Uint8Array | undefined {
    return entry.octets === undefined ? undefined : latin1Encode(entry.octets);
  }

  private end(e: RetiredEntry<T>): void {
    if (e.ended) return;
    e.ended = true;
    RetiredTransactions.live(e)?.terminate();
    this.expired(e);
  }
}
