import type { TransportProtocol } from '../sip/transport/types.js';

/**
 * Where a registered contact was reached from: the flow (RFC 5626 §3) a
 * request for it must go back over, or at least the source address
 * (received/rport) behind a NAT.
 */
export interface BindingFlow {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly address: string;
  readonly port: number;
}

/**
 * One registered contact of an address-of-record (RFC 3261 §10, RFC 5626
 * §6): the registrar's unit of state and the location service's answer.
 */
export interface Binding {
  /** AoR key as produced by aorOf(): "sip:alice@example.com". */
  readonly aor: string;
  /** Identity of the binding within the AoR: "+sip.instance" + reg-id when given (RFC 5626 §6), else the contact URI. */
  readonly key: string;
  /** The Contact URI as registered. */
  readonly contact: string;
  /** Contact header parameters other than expires/q, as text: feature tags (";+g.oma.sip-im") live here (RFC 3840). */
  readonly params: string;
  readonly instance: string | null;
  readonly regId: number | null;
  readonly q: number | null;
  readonly callId: string;
  readonly cseq: number;
  /** Absolute expiry, ms since the epoch. */
  readonly expiresAt: number;
  /** Path header values, in order (RFC 3327). */
  readonly path: readonly string[];
  readonly flow: BindingFlow | null;
  readonly updatedAt: number;
}

/**
 * The location service's storage. Implementations keep bindings across a
 * restart; `list` never returns expired ones.
 */
export interface Bindings {
  list(aor: string, now: number): Promise<Binding[]>;
  /** Applies one REGISTER's changes to an AoR atomically: upserts then removals. */
  update(aor: string, upserts: readonly Binding[], removeKeys: readonly string[]): Promise<void>;
  removeAll(aor: string): Promise<void>;
  /** Drops expired bindings; returns how many went. */
  purgeExpired(now: number): Promise<number>;
  count(now: number): Promise<number>;
  /** Every AoR with at least one live binding. */
  aors(now: number): Promise<string[]>;
}
