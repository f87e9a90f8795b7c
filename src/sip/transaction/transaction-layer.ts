import type { Clock } from '../../formats/clock.js';
import { cryptoRandom, flatString, newBranch, type RandomSource } from '../ids.js';
import type { SipMessage, SipRequest, SipResponse } from '../message.js';
import { createResponse } from '../response.js';
import { DEFAULT_TIMER_SETTINGS, timerTable, type TimerSettings } from '../timers.js';
import type { Endpoint, Flow, Incoming, SipTransport } from '../transport/types.js';
import { viaBranch } from '../via.js';
import { createCancel } from './cancel.js';
import { ClientInviteTransaction } from './client-invite-transaction.js';
import { ClientNonInviteTransaction } from './client-non-invite-transaction.js';
import { ClientTransaction } from './client-transaction.js';
import { ServerInviteTransaction } from './server-invite-transaction.js';
import { ServerNonInviteTransaction } from './server-non-invite-transaction.js';
import { RetiredTransactions, type RetiredEntry } from './retired-transactions.js';
import type { RetiredResend, Transaction, TransactionContext } from './transaction.js';
import {
  clientTransactionKey,
  isRfc2543Key,
  responseTransactionKey,
  rfc2543ToTagMatches,
  serverTransactionKey,
} from './transaction-key.js';
import { TransactionState } from './transaction-state.js';
import type { ClientTransactionUser, ServerTransactionUser } from './transaction-user.js';

/**
 * The core above the transaction layer (UAS/UAC core or proxy core): what
 * the layer hands up when no transaction takes a message. Declared here,
 * implemented above, so the layer never imports its users.
 */
export interface TransactionCore {
  /**
   * A request that matched no server transaction (other than ACK, and other
   * than CANCEL when `receiveCancel` is implemented). The core creates the
   * server transaction with `createServerTransaction` (RFC 3261 §17.2: the
   * TU creates it), or handles the request statelessly.
   */
  receiveRequest(request: SipRequest, incoming: Incoming): void;
  /**
   * An ACK that matched no server transaction: the ACK for a 2xx, which is
   * its own transaction and reaches the TU directly (§17.2.3, §13.3.1.4),
   * or one a stateless proxy forwards.
   */
  receiveAck?(ack: SipRequest, incoming: Incoming): void;
  /**
   * A response that matched no client transaction. RFC 3261 §18.1.2: it is
   * passed to the core; a stateful proxy forwards a 2xx to an INVITE
   * statelessly (§16.7, RFC 6026 §7.1 keeps that only for responses with
   * no matching transaction); a UAC core may match a forked 2xx to a dialog.
   */
  receiveStrayResponse?(response: SipResponse, incoming: Incoming): void;
  /**
   * A CANCEL that matched an INVITE server transaction (§9.2). The layer
   * has created the CANCEL's own non-INVITE server transaction; the core
   * answers it (200) and, if the INVITE is still pending, answers the
   * INVITE with 487 (§9.2). When not implemented, CANCELs go to
   * receiveRequest like any request.
   */
  receiveCancel?(cancel: ServerNonInviteTransaction, invite: ServerInviteTransaction, incoming: Incoming): void;
}

export interface TransactionLayerOptions {
  readonly transport: SipTransport;
  readonly clock: Clock;
  readonly core: TransactionCore;
  /** T1, T2, T4 (RFC 3261 §17.1.1.1); the rest of Table 4 follows from them. */
  readonly timers?: Partial<TimerSettings>;
  /** Randomness for branches. */
  readonly random?: RandomSource;
  /** Add an empty rport parameter to the Vias we insert (RFC 3581 §3). Default false. */
  readonly rport?: boolean;
  /**
   * A CANCEL that matches no INVITE server transaction: 'respond-481' (a
   * UAS: §9.2 "the UAS SHOULD respond to the CANCEL with a 481") or
   * 'pass-to-core' (a proxy: §16.10 "It MUST statelessly forward the CANCEL
   * request"). Only used when the core implements receiveCancel. Default 'respond-481'.
   */
  readonly unmatchedCancel?: 'respond-481' | 'pass-to-core';
  /** Set `transport.onMessage` to this layer (default true). */
  readonly listen?: boolean;
}

export interface SendRequestOptions {
  /**
   * Insert a top Via with our sent-by and a fresh branch (default true).
   * False when the request already carries the Via it must go out with
   * (a CANCEL, which repeats the INVITE's Via, §9.1).
   */
  readonly addVia?: boolean;
}

/** What `cancel()` did (RFC 3261 §9.1). */
export type CancelOutcome =
  /** The CANCEL went out. */
  | 'sent'
  /** No provisional response yet: "the client MUST wait for the arrival of a provisional response before sending the request"; it goes out when one arrives. */
  | 'pending'
  /** The INVITE has a final response: "the CANCEL SHOULD NOT be sent". */
  | 'too-late';

export type AnyClientTransaction = ClientInviteTransaction | ClientNonInviteTransaction;
export type AnyServerTransaction = ServerInviteTransaction | ServerNonInviteTransaction;

/**
 * The transaction layer (RFC 3261 §17): creates client transactions and
 * matches responses to them (§17.1.3), matches requests to server
 * transactions (§17.2.3, with the RFC 2543 fallback), routes CANCEL to the
 * INVITE it cancels (§9.2), detects merged requests (§8.2.2.2) for the UAS
 * core, and passes everything else to the core.
 */
export class TransactionLayer {
  readonly transport: SipTransport;
  readonly clock: Clock;
  private readonly core: TransactionCore;
  private readonly settings: TimerSettings;
  private readonly random: RandomSource;
  private readonly rport: boolean;
  private readonly unmatchedCancel: 'respond-481' | 'pass-to-core';
  private readonly clients = new Map<string, AnyClientTransaction>();
  private readonly servers = new Map<string, AnyServerTransaction>();
  /** Transactions past their final response, kept compact until Timer K / J ends them. */
  private readonly retiredClients: RetiredTransactions<AnyClientTransaction>;
  private readonly retiredServers: RetiredTransactions<AnyServerTransaction>;
  /** Keys of server transactions by From tag, Call-ID and CSeq, for merged-request detection. */
  private readonly byDialogKey = new Map<string, string | string[]>();
  private readonly reliableContext: TransactionContext;
  private readonly unreliableContext: TransactionContext;

  constructor(opts: TransactionLayerOptions) {
    this.transport = opts.transport;
    this.clock = opts.clock;
    this.core = opts.core;
    this.settings = { ...DEFAULT_TIMER_SETTINGS, ...opts.timers };
    this.random = opts.random ?? cryptoRandom;
    this.rport = opts.rport ?? false;
    this.unmatchedCancel = opts.unmatchedCancel ?? 'respond-481';
    this.retiredClients = new RetiredTransactions(this.clock, () => {});
    this.retiredServers = new RetiredTransactions(this.clock, (e) => this.forgetMergeKey(e.mergeKey, e.key));
    const shared = {
      transport: this.transport,
      clock: this.clock,
      retire: (tx: Transaction, ms: number, resend?: RetiredResend) => this.retire(tx, ms, resend),
      terminated: (tx: Transaction) => this.transactionTerminated(tx),
    };
    // One context per transport kind, shared by every transaction.
    this.reliableContext = { ...shared, timers: timerTable(true, this.settings) };
    this.unreliableContext = { ...shared, timers: timerTable(false, this.settings) };
    if (opts.listen !== false) this.transport.onMessage = (incoming) => this.receiveMessage(incoming);
  }

  /** Live client transactions (for tests and metrics). */
  get clientTransactionCount(): number {
    return this.clients.size + this.retiredClients.size;
  }

  /** Transactions still waiting for a final response: what a clean shutdown waits for. */
  get unfinishedCount(): number {
    const open = (tx: { state: TransactionState }) =>
      tx.state === TransactionState.Calling || tx.state === TransactionState.Trying || tx.state === TransactionState.Proceeding;
    let n = 0;
    for (const tx of this.clients.values()) if (open(tx)) n++;
    for (const tx of this.servers.values()) if (open(tx)) n++;
    return n;
  }

  get serverTransactionCount(): number {
    return this.servers.size + this.retiredServers.size;
  }

  private context(reliable: boolean): TransactionContext {
    return reliable ? this.reliableContext : this.unreliableContext;
  }

  /**
   * A transaction entered Completed with Timer J or K to run (UDP): from here
   * on the layer keeps only its key, the final response's bytes and flow
   * (server side), and the timer. RFC 2543 server transactions keep their
   * messages: matching them needs the request and the response's To tag.
   */
  private retire(tx: Transaction, ms: number, resend?: RetiredResend): boolean {
    const key = tx.key;
    if (tx instanceof ClientNonInviteTransaction) {
      if (this.clients.get(key) !== tx) return false;
      this.clients.delete(key);
      const observed = tx.observed;
      if (!observed) tx.lapse(this.clock.now() + ms);
      this.retiredClients.add(tx, ms, observed);
      return true;
    }
    if (!(tx instanceof ServerNonInviteTransaction) || resend === undefined || isRfc2543Key(key) || this.servers.get(key) !== tx) {
      return false;
    }
    this.servers.delete(key);
    const observed = tx.observed;
    if (!observed) tx.lapse(this.clock.now() + ms);
    const entry = this.retiredServers.add(tx, ms, observed, resend.bytes, resend.flow, tx.mergeKey);
    void resend.sent.then((flow) => {
      if (flow !== undefined) entry.flow = flow;
    });
    return true;
  }

  private transactionTerminated(tx: Transaction): void {
    const key = tx.key;
    if (tx instanceof ClientTransaction) {
      if (this.clients.get(key) === tx) this.clients.delete(key);
      else this.retiredClients.remove(tx as AnyClientTransaction);
      return;
    }
    const stx = tx as AnyServerTransaction;
    if (this.servers.get(key) === stx) this.servers.delete(key);
    else this.retiredServers.remove(stx);
    this.forgetMergeKey(stx.mergeKey, key);
    stx.mergeKey = undefined;
  }

  private forgetMergeKey(dk: string | undefined, key: string): void {
    if (dk === undefined) return;
    const v = this.byDialogKey.get(dk);
    if (v === undefined) return;
    if (typeof v === 'string') {
      if (v === key) this.byDialogKey.delete(dk);
      return;
    }
    const i = v.indexOf(key);
    if (i !== -1) v.splice(i, 1);
    if (v.length === 0) this.byDialogKey.delete(dk);
    else if (v.length === 1) this.byDialogKey.set(dk, v[0]!);
  }

  // ---- incoming ----------------------------------------------------------

  /** Everything the transport received. */
  receiveMessage(incoming: Incoming): void {
    const m = incoming.message;
    if (m.kind === 'response') this.receiveResponse(m, incoming);
    else this.receiveRequest(m, incoming);
  }

  private receiveResponse(response: SipResponse, incoming: Incoming): void {
    let key: string | undefined;
    try {
      key = responseTransactionKey(response);
    } catch {
      // §18.1.2 / §8.1.3.3: a response whose Via or CSeq cannot be read is discarded.
      return;
    }
    if (key === undefined) {
      this.core.receiveStrayResponse?.(response, incoming);
      return;
    }
    const tx = this.clients.get(key);
    if (tx !== undefined) {
      tx.receiveResponse(response);
      return;
    }
    const retired = this.retiredClients.get(key);
    if (retired !== undefined) {
      // Completed: "buffer any additional response retransmissions that may be received" (§17.1.2.2).
      RetiredTransactions.live(retired)?.receiveResponse(response);
      return;
    }
    // §17.1.3: "If the response does not match a client transaction, it is passed to the core."
    this.core.receiveStrayResponse?.(response, incoming);
  }

  private receiveRequest(request: SipRequest, incoming: Incoming): void {
    let tx: AnyServerTransaction | undefined;
    let key: string;
    try {
      key = serverTransactionKey(request);
      tx = this.lookup(request, key);
    } catch {
      // A request we cannot key (broken Via, CSeq, From...): the core answers 400 statelessly.
      if (request.method !== 'ACK') this.core.receiveRequest(request, incoming);
      return;
    }
    if (request.method === 'ACK') {
      if (tx instanceof ServerInviteTransaction) tx.receiveAck(request);
      else this.core.receiveAck?.(request, incoming);
      return;
    }
    if (tx !== undefined) {
      tx.receiveRequest(request);
      return;
    }
    const retired = this.retiredServers.get(key);
    if (retired !== undefined) {
      this.resendRetired(retired);
      return;
    }
    if (request.method === 'CANCEL' && this.core.receiveCancel !== undefined) {
      const invite = this.findCancelTarget(request);
      if (invite === undefined && this.unmatchedCancel === 'pass-to-core') {
        this.core.receiveRequest(request, incoming);
        return;
      }
      const cancelTx = this.createServerTransaction(request, incoming.flow) as ServerNonInviteTransaction;
      // §9.2: "If the UAS did not find a matching transaction for the CANCEL according to the
      // procedure above, it SHOULD respond to the CANCEL with a 481 (Call Leg/Transaction Does Not Exist)."
      if (invite === undefined) cancelTx.respond(createResponse(request, 481));
      else this.core.receiveCancel(cancelTx, invite, incoming);
      return;
    }
    this.core.receiveRequest(request, incoming);
  }

  /** The server transaction a request (or its retransmission, or an ACK) belongs to (§17.2.3). */
  findServerTransaction(request: SipRequest): AnyServerTransaction | undefined {
    return this.lookup(request, serverTransactionKey(request));
  }

  /**
   * The INVITE server transaction a CANCEL cancels. §9.2: "the
   * transaction matching procedures of Section 17.2.3" apply, but a CANCEL
   * is its own transaction, so it is matched as if its method were INVITE.
   */
  findCancelTarget(cancel: SipRequest): ServerInviteTransaction | undefined {
    const tx = this.lookup(cancel, serverTransactionKey(cancel, 'INVITE'));
    return tx instanceof ServerInviteTransaction ? tx : undefined;
  }

  /**
   * §17.2.2: "While in the "Completed" state, the server transaction MUST
   * pass the final response to the transport layer for retransmission
   * whenever a retransmission of the request is received." The same bytes
   * go again over the flow the first copy took.
   */
  private resendRetired(entry: RetiredEntry<AnyServerTransaction>): void {
    const flow = entry.flow;
    const bytes = RetiredTransactions.bytes(entry);
    if (bytes === undefined || flow === undefined || !flow.open) return;
    try {
      flow.send(bytes);
    } catch {
      // The socket is gone; the entry ends with its timer.
    }
  }

  private lookup(request: SipRequest, key: string): AnyServerTransaction | undefined {
    let tx = this.servers.get(key);
    if (tx === undefined) {
      const retired = this.retiredServers.get(key);
      tx = retired === undefined ? undefined : RetiredTransactions.live(retired);
    }
    if (tx === undefined || tx.state === TransactionState.Terminated) return undefined;
    if (isRfc2543Key(key) && !rfc2543ToTagMatches(request, tx.request, tx.lastResponse)) return undefined;
    return tx;
  }

  /**
   * RFC 3261 §8.2.2.2, for the UAS core: "If the request has no tag in the
   * To header field, the UAS core MUST check the request against ongoing
   * transactions. If the From tag, Call-ID, and CSeq exactly match those
   * associated with an ongoing transaction, but the request does not match
   * that transaction (based on the matching rules in Section 17.2.3), the
   * UAS core SHOULD generate a 482 (Loop Detected) response".
   */
  isMergedRequest(request: SipRequest): boolean {
    if (request.to().params.get('tag') != null) return false;
    const keys = this.byDialogKey.get(dialogKey(request));
    if (keys === undefined) return false;
    const own = serverTransactionKey(request);
    // The index only holds keys of transactions not yet terminated.
    if (typeof keys === 'string') return keys !== own;
    return keys.some((k) => k !== own);
  }

  /**
   * Creates the server transaction for a request that matched none (§17.2):
   * an INVITE server transaction for INVITE, a non-INVITE one otherwise.
   * Its responses go back over `flow`.
   */
  createServerTransaction(request: SipRequest, flow: Flow, user?: ServerTransactionUser): AnyServerTransaction {
    if (request.method === 'ACK') throw new Error('an ACK never creates a server transaction (RFC 3261 §17.2.3)');
    const key = serverTransactionKey(request);
    const existing = this.servers.get(key);
    if ((existing !== undefined && existing.state !== TransactionState.Terminated) || this.retiredServers.get(key) !== undefined) {
      throw new Error(`a server transaction for ${key} exists`);
    }
    const ctx = this.context(flow.reliable);
    const tx: AnyServerTransaction =
      request.method === 'INVITE'
        ? new ServerInviteTransaction(key, request, flow, ctx, user)
        : new ServerNonInviteTransaction(key, request, flow, ctx, user);
    this.servers.set(key, tx);
    const dk = dialogKey(request);
    const keys = this.byDialogKey.get(dk);
    if (keys === undefined) this.byDialogKey.set(dk, key);
    else if (typeof keys === 'string') this.byDialogKey.set(dk, [keys, key]);
    else keys.push(key);
    tx.mergeKey = dk;
    return tx;
  }

  // ---- outgoing ----------------------------------------------------------

  /** The Via value this element inserts for a protocol: our sent-by and a new branch (§8.1.1.7, §18.1.1). */
  createVia(protocol: Endpoint['protocol'], branch: string = newBranch(this.random)): string {
    const { address, port } = this.transport.sentBy(protocol);
    const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
    return `SIP/2.0/${protocol} ${host}:${port};branch=${branch}${this.rport ? ';rport' : ''}`;
  }

  /**
   * Sends a request through a new client transaction (§17.1): INVITE
   * through a ClientInviteTransaction, anything else but ACK through a
   * ClientNonInviteTransaction. The request is sent at once.
   */
  sendRequest(
    request: SipRequest,
    destination: Flow | Endpoint,
    user?: ClientTransactionUser,
    opts: SendRequestOptions = {},
  ): AnyClientTransaction {
    // §17.1.1.3 / §13.2.2.4: an ACK is part of the INVITE transaction (non-2xx) or sent by the core
    // without a transaction (2xx): use sendStateless.
    if (request.method === 'ACK') throw new Error('ACK is not sent through a client transaction; use sendStateless');
    if (opts.addVia !== false) request.prepend('Via', this.createVia(destination.protocol));
    const branch = viaBranch(request.topVia());
    if (branch === undefined) throw new Error('request without a Via branch');
    const key = clientTransactionKey(branch, request.method);
    const existing = this.clients.get(key);
    if ((existing !== undefined && existing.state !== TransactionState.Terminated) || this.retiredClients.get(key) !== undefined) {
      throw new Error(`a client transaction for ${key} exists`);
    }
    const reliable = isReliable(destination);
    const ctx = this.context(reliable);
    const tx: AnyClientTransaction =
      request.method === 'INVITE'
        ? new ClientInviteTransaction(key, request, destination, ctx, user)
        : new ClientNonInviteTransaction(key, request, destination, ctx, user);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /**
   * Cancels a pending INVITE, RFC 3261 §9.1: builds the CANCEL from the
   * INVITE and sends it, with the INVITE's own Via, to where the INVITE
   * went, as its own non-INVITE client transaction. "If no provisional
   * response has been received, the CANCEL request MUST NOT be sent; rather,
   * the client MUST wait for the arrival of a provisional response before
   * sending the request. If the original request has generated a final
   * response, the CANCEL SHOULD NOT be sent".
   */
  cancel(
    invite: AnyClientTransaction,
    user?: ClientTransactionUser,
    extraHeaders: ReadonlyArray<readonly [string, string]> = [],
  ): CancelOutcome {
    // §9.1: "a CANCEL request SHOULD NOT be sent to cancel a request other than INVITE."
    if (!(invite instanceof ClientInviteTransaction)) throw new Error('only an INVITE is cancelled (RFC 3261 §9.1)');
    const send = (): void => {
      const cancel = createCancel(invite.request, extraHeaders);
      const to = invite.flow !== undefined && invite.flow.open ? invite.flow : invite.destination;
      this.sendRequest(cancel, to, user, { addVia: false });
    };
    if (invite.state === TransactionState.Proceeding) {
      send();
      return 'sent';
    }
    if (invite.state !== TransactionState.Calling) return 'too-late';
    const off = invite.addStateChangeListener((state) => {
      off();
      if (state === TransactionState.Proceeding) send();
    });
    return 'pending';
  }

  /**
   * Sends a message with no transaction: the ACK for a 2xx (§13.2.2.4: the
   * UAC core sends it "directly to the transport layer"), a 2xx a proxy
   * forwards statelessly, a stateless answer. A request gets our Via with a
   * new branch unless `addVia` is false.
   */
  sendStateless(message: SipMessage, destination: Flow | Endpoint, opts: SendRequestOptions = {}): Promise<Flow> {
    if (message.kind === 'request' && opts.addVia !== false) message.prepend('Via', this.createVia(destination.protocol));
    return this.transport.send(message, destination);
  }

  /** Ends every transaction (shutdown). */
  close(): void {
    for (const tx of [...this.clients.values()]) tx.terminate();
    for (const tx of [...this.servers.values()]) tx.terminate();
    this.retiredClients.clear();
    this.retiredServers.clear();
  }
}

function isReliable(d: Flow | Endpoint): boolean {
  return 'reliable' in d ? d.reliable : d.protocol !== 'UDP';
}

function dialogKey(request: SipRequest): string {
  const cseq = request.cseq();
  return flatString(`${request.from().params.get('tag') ?? ''}|${request.callId()}|${cseq.seq}|${cseq.method}`);
}
