/**
 * Deferred messages (OMA IM digest §3.4, the "inbox"): pager-mode messages
 * the terminating participating function accepted (202) for a user who
 * could not take them, kept until they expire or the user deletes them,
 * with a record of which of the user's devices each one reached.
 */
export interface NewDeferredMessage {
  /** The recipient's AoR key (aorOf), e.g. "sip:bob@example.com". */
  readonly owner: string;
  /** The authenticated originator's AoR (P-Asserted-Identity), or the From AoR for another domain. */
  readonly sender: string;
  /** The From header value as received, without its tag (display name kept). */
  readonly from: string;
  /** End-to-end header fields to repeat on delivery, Content-Type first. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
  /** When the IM server accepted it (ms since the epoch). */
  readonly receivedAt: number;
  readonly expiresAt: number;
}

export interface DeferredMessage extends NewDeferredMessage {
  /** Stable id, unique on this server; the same at every device and across restarts. */
  readonly id: string;
  /** Position in storage order (increasing); a cursor for pendingFor. */
  readonly seq: number;
}

export type DeferredStoreOutcome = { readonly stored: true; readonly id: string } | { readonly stored: false; readonly reason: 'quota' };

export interface DeferredMessages {
  /**
   * Stores one message unless the owner already holds `quota` live ones.
   * Resolves only once the message is durable (it survives kill -9), so the
   * 202 that follows never promises what a crash could lose.
   */
  store(msg: NewDeferredMessage, id: string, quota: number, now: number): Promise<DeferredStoreOutcome>;
  /**
   * Whether the owner may hold messages, answered from memory: false means
   * pendingFor would find none. Asked on every registration, so a REGISTER
   * of a user with an empty inbox costs no query.
   */
  mayHold(owner: string): boolean;
  /** The owner's live messages in the order they were stored. */
  list(owner: string, now: number): Promise<DeferredMessage[]>;
  get(owner: string, id: string, now: number): Promise<DeferredMessage | null>;
  /**
   * The owner's live messages not yet delivered to `device`, in storage
   * order, at most `limit`, stored after the one whose `seq` is `after`
   * (a page cursor; 0 starts at the oldest).
   */
  pendingFor(owner: string, device: string, now: number, limit?: number, after?: number): Promise<DeferredMessage[]>;
  /** Records the 2xx `device` gave to each of `ids`, in one commit. */
  markDelivered(device: string, ids: readonly string[], now: number): Promise<void>;
  /** Those of `ids` that every one of `devices` acknowledged. */
  deliveredToAll(ids: readonly string[], devices: readonly string[]): Promise<string[]>;
  delete(owner: string, id: string): Promise<boolean>;
  /** Drops expired messages; returns how many went. */
  purgeExpired(now: number): Promise<number>;
  /** Live messages of one owner, or of everyone when `owner` is omitted. */
  count(now: number, owner?: string): Promise<number>;
}
