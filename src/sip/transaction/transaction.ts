import type { Clock, TimerHandle } from '../../formats/clock.js';
import type { SipMessage, SipRequest } from '../message.js';
import type { TimerTable } from '../timers.js';
import type { Endpoint, Flow, SipTransport } from '../transport/types.js';
import { TransactionState, TransactionStateError } from './transaction-state.js';

/** What every transaction needs from its surroundings. */
export interface TransactionContext {
  readonly transport: SipTransport;
  readonly clock: Clock;
  /** The timer table for this transaction's transport (reliable or not). */
  readonly timers: TimerTable;
  /**
   * Offered a transaction that entered its last waiting state (Completed,
   * with `ms` left on Timer J or K): the layer may keep it in a compact form
   * and end it when the time is up. Returns false when it does not; the
   * transaction then runs the timer itself.
   */
  readonly retire?: (tx: Transaction, ms: number, resend?: RetiredResend) => boolean;
  /** Told first when a transaction reaches Terminated (the layer files it out). */
  readonly terminated?: (tx: Transaction) => void;
}

/** What a retired server transaction resends: the final response's bytes, over the flow its first send used. */
export interface RetiredResend {
  readonly bytes: Uint8Array;
  readonly flow: Flow;
  readonly sent: Promise<Flow | undefined>;
}

export type TransactionKind = 'ClientInvite' | 'ClientNonInvite' | 'ServerInvite' | 'ServerNonInvite';

export type StateChangeListener = (state: TransactionState, previous: TransactionState) => void;

/**
 * What the four RFC 3261 §17 machines share: the request that created the
 * transaction, its key, the current state (changed only through
 * stateTransition(), which refuses moves the machine does not have), named
 * timers on the injected clock, and sending through the transport.
 */
export abstract class Transaction {
  abstract readonly kind: TransactionKind;
  /** The key the transaction layer files this transaction under (§17.1.3 / §17.2.3). */
  readonly key: string;
  readonly request: SipRequest;
  protected readonly ctx: TransactionContext;
  private current: TransactionState;
  private running: Map<string, TimerHandle> | undefined;
  private listeners: StateChangeListener[] | undefined;
  private failed = false;
  /**
   * Set when the layer keeps this transaction only in its compact form and
   * nobody listens for its end: the clock time Timer J / K ends it. The
   * object then reads Terminated from that time on, without being told.
   */
  private lapsesAt: number | undefined;

  /** Legal moves: from -> the states it may go to. */
  protected abstract readonly transitions: Readonly<Partial<Record<TransactionState, readonly TransactionState[]>>>;

  protected constructor(key: string, request: SipRequest, ctx: TransactionContext, initial: TransactionState) {
    this.key = key;
    this.request = request;
    this.ctx = ctx;
    this.current = initial;
  }

  get state(): TransactionState {
    if (this.lapsesAt !== undefined && this.current !== TransactionState.Terminated && this.ctx.clock.now() >= this.lapsesAt) {
      return TransactionState.Terminated;
    }
    return this.current;
  }

  /** The layer let go of this transaction, which ends unobserved at `at` (see lapsesAt). */
  lapse(at: number): void {
    this.lapsesAt = at;
  }

  /** State test that TypeScript does not narrow away after a TU callback (which may have terminated us). */
  protected stillIn(state: TransactionState): boolean {
    return this.state === state;
  }

  get timers(): TimerTable {
    return this.ctx.timers;
  }

  /** Called on every state change, after it happened. Returns a function that removes the listener. */
  addStateChangeListener(fn: StateChangeListener): () => void {
    (this.listeners ??= []).push(fn);
    return () => {
      const i = this.listeners?.indexOf(fn) ?? -1;
      if (i !== -1) this.listeners!.splice(i, 1);
    };
  }

  /** Whether anything besides the layer waits to hear of this transaction's end. */
  get observed(): boolean {
    return this.listeners !== undefined && this.listeners.length > 0;
  }

  /** The one place the state changes. Throws TransactionStateError on an illegal move. */
  protected stateTransition(to: TransactionState): void {
    const from = this.current;
    if (!(this.transitions[from] ?? []).includes(to)) throw new TransactionStateError(this.kind, from, to);
    this.current = to;
    if (to === TransactionState.Terminated) this.stopAllTimers();
    // Past the final response a transaction only absorbs retransmissions: its
    // request's parsed header views are dead weight for up to 64*T1.
    if (to === TransactionState.Completed || to === TransactionState.Accepted || to === TransactionState.Confirmed) {
      this.request.compact();
    }
    if (to === TransactionState.Terminated) this.ctx.terminated?.(this);
    if (this.listeners !== undefined && this.listeners.length > 0) for (const fn of this.listeners.slice()) fn(to, from);
    if (to === TransactionState.Terminated) this.terminated();
  }

  /** Hook for the subclasses to tell their TU. */
  protected abstract terminated(): void;

  /**
   * Starts (or restarts) a named timer. A duration of 0 — Table 4's value
   * for D, I, J and K on reliable transports — fires at once, synchronously.
   */
  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    if (ms <= 0) {
      fire();
      return;
    }
    const running = (this.running ??= new Map());
    const h = this.ctx.clock.setTimeout(() => {
      running.delete(name);
      fire();
    }, ms);
    running.set(name, h);
  }

  protected stopTimer(name: string): void {
    const h = this.running?.get(name);
    if (h !== undefined) {
      this.ctx.clock.clearTimeout(h);
      this.running!.delete(name);
    }
  }

  private stopAllTimers(): void {
    if (this.running === undefined) return;
    for (const h of this.running.values()) this.ctx.clock.clearTimeout(h);
    this.running.clear();
  }

  /**
   * Hands a message to the transport. A failure is reported once, through
   * onTransportFailure().
   */
  protected transmit(message: SipMessage, to: Flow | Endpoint): Promise<Flow | undefined> {
    let p: Promise<Flow>;
    try {
      p = this.ctx.transport.send(message, to);
    } catch (e) {
      p = Promise.reject(e);
    }
    return p.then(
      (flow) => flow,
      (e: unknown) => {
        // Reported once, even after Terminated: with Timer J or K at 0 on a reliable transport
        // the machine ends before the send settles, and the TU must still hear of it.
        if (!this.failed) {
          this.failed = true;
          this.onTransportFailure(e instanceof Error ? e : new Error(String(e)));
        }
        return undefined;
      },
    );
  }

  /** RFC 3261 §17.1.4 / §17.2.4: tell the TU and end the transaction. */
  protected abstract onTransportFailure(error: Error): void;

  /** Ends the transaction now, whatever its state (the TU gives up; the layer shuts down). */
  terminate(): void {
    // Every machine may end from any state: a transport error can happen on any send.
    if (this.current !== TransactionState.Terminated) this.stateTransition(TransactionState.Terminated);
  }
}
