/**
 * The timer values of RFC 3261 §17, Table 4, with Timers L and M of
 * RFC 6026 §8.11. T1, T2 and T4 are configurable (§17.1.1.1: "T1 MAY be
 * chosen larger"; a network with a known RTT may choose smaller).
 */
export interface TimerSettings {
  /** RTT estimate (RFC 3261 default 500 ms). */
  readonly T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (4 s). */
  readonly T2: number;
  /** Maximum duration a message will remain in the network (5 s). */
  readonly T4: number;
}

export const DEFAULT_TIMER_SETTINGS: TimerSettings = { T1: 500, T2: 4000, T4: 5000 };

/**
 * RFC 3261 §17.2.1: "The server transaction MUST generate a 100 (Trying)
 * response unless it knows that the TU will generate a provisional or
 * final response within 200 ms".
 */
export const TRYING_DELAY = 200;

/**
 * Every timer of Table 4 for one transport kind, in milliseconds. A, E and
 * G are `null` on reliable transports: they drive retransmissions, which
 * only unreliable transports need (§17.1.1.2, §17.1.2.2, §17.2.1). D, I, J
 * and K are 0 on reliable transports ("0s for TCP/SCTP"), which means the
 * state they guard is left at once.
 */
export interface TimerTable extends TimerSettings {
  /** INVITE request retransmit interval, initially T1, doubling (unreliable only). */
  readonly A: number | null;
  /** INVITE transaction timeout, 64*T1. */
  readonly B: number;
  /** Proxy INVITE transaction timeout, > 3 min (§16.6 step 11). */
  readonly C: number;
  /** Wait time for response retransmits: >= 32 s unreliable, 0 reliable. */
  readonly D: number;
  /** Non-INVITE request retransmit interval, initially T1, doubling up to T2 (unreliable only). */
  readonly E: number | null;
  /** Non-INVITE transaction timeout, 64*T1. */
  readonly F: number;
  /** INVITE response retransmit interval, initially T1, doubling up to T2 (unreliable only). */
  readonly G: number | null;
  /** Wait time for ACK receipt, 64*T1 (all transports). */
  readonly H: number;
  /** Wait time for ACK retransmits: T4 unreliable, 0 reliable. */
  readonly I: number;
  /** Wait time for non-INVITE request retransmits: 64*T1 unreliable, 0 reliable. */
  readonly J: number;
  /** Wait time for response retransmits: T4 unreliable, 0 reliable. */
  readonly K: number;
  /** RFC 6026: wait time for accepted INVITE request retransmits, 64*T1. */
  readonly L: number;
  /** RFC 6026: wait time for retransmission of 2xx to INVITE or additional 2xx from other branches, 64*T1. */
  readonly M: number;
}

export function timerTable(reliable: boolean, settings: TimerSettings = DEFAULT_TIMER_SETTINGS): TimerTable {
  const { T1, T2, T4 } = settings;
  return {
    T1,
    T2,
    T4,
    A: reliable ? null : T1,
    B: 64 * T1,
    C: 180_000,
    D: reliable ? 0 : 32_000,
    E: reliable ? null : T1,
    F: 64 * T1,
    G: reliable ? null : T1,
    H: 64 * T1,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : 64 * T1,
    K: reliable ? 0 : T4,
    L: 64 * T1,
    M: 64 * T1,
  };
}
