import type { ContactEvent, Reginfo, ReginfoContact, RegistrationState, UnknownParam } from '../../formats/reginfo.js';
import { Params } from '../../sip/params.js';
import { quote } from '../../sip/scan.js';
import type { Binding } from '../../store/bindings.js';

/** A contact as one subscriber last learnt it. */
interface Known {
  readonly id: string;
  binding: Binding;
  /** The event that put the contact in its current (active) state. */
  event: ContactEvent;
}

/** A contact change not yet notified. */
interface Pending {
  readonly id: string;
  binding: Binding;
  state: 'active' | 'terminated';
  event: ContactEvent;
}

/**
 * One subscriber's view of one address-of-record's registration (RFC 3680
 * §4.7): the contact state machines of Figure 2 driven by the registrar's
 * binding lists and by the clock, the changes not yet notified, and the
 * document version (§5.1: "Versions are scoped within a subscription").
 * Pure: no I/O, time passed in.
 */
export class RegistrationView {
  private readonly known = new Map<string, Known>();
  private readonly pending = new Map<string, Pending>();
  private nextContactId = 1;
  private version = 0;

  constructor(
    readonly aor: string,
    /** RFC 3680 §5.1: the registration id, "the same across all notifications sent within the subscription". */
    readonly registrationId: string,
  ) {}

  /** Contacts now bound, as this view knows them. */
  get activeCount(): number {
    return this.known.size;
  }

  /**
   * The registrar changed the AoR's bindings: `bindings` is every live one,
   * `refreshed` those the REGISTER added or refreshed. Returns whether any
   * contact changed state (a NOTIFY is due).
   */
  update(bindings: readonly Binding[], refreshed: readonly Binding[], now: number): boolean {
    let changed = false;
    const touched = new Set(refreshed.map((b) => b.key));
    const live = new Set<string>();
    for (const b of bindings) {
      if (b.expiresAt <= now) continue;
      live.add(b.key);
      const k = this.known.get(b.key);
      if (k !== undefined && k.binding.contact !== b.contact) {
        // The same device (+sip.instance) registered another Contact URI, which replaces the old one
        // (RFC 5627 §3.1): the old contact is gone, though not by an Expires of 0; a new id for the new
        // URI, since RFC 3680 §5.1 requires ids to differ when the URIs differ.
        this.terminate(b.key, k, 'deactivated');
        this.activate(b, 'registered');
        changed = true;
      } else if (k === undefined) {
        this.activate(b, 'registered');
        changed = true;
      } else if (touched.has(b.key)) {
        k.binding = b;
        k.event = 'refreshed';
        this.mark(k, 'active', 'refreshed');
        changed = true;
      } else {
        k.binding = b;
      }
    }
    for (const [key, k] of [...this.known]) {
      if (live.has(key)) continue;
      // RFC 3680 §4.7.1: "expired" when not refreshed in time, "unregistered" when a REGISTER set the expiration to zero.
      this.terminate(key, k, k.binding.expiresAt <= now ? 'expired' : 'unregistered');
      changed = true;
    }
    return changed;
  }

  /** Contacts whose binding has run out by `now` move to terminated with "expired"; returns whether any did. */
  expire(now: number): boolean {
    let changed = false;
    for (const [key, k] of [...this.known]) {
      if (k.binding.expiresAt > now) continue;
      this.terminate(key, k, 'expired');
      changed = true;
    }
    return changed;
  }

  /** When the next contact runs out (ms since the epoch), if any is bound. */
  nextExpiry(): number | undefined {
    let first: number | undefined;
    for (const k of this.known.values()) if (first === undefined || k.binding.expiresAt < first) first = k.binding.expiresAt;
    return first;
  }

  /**
   * Full state (RFC 3680 §4.7.2, a new subscription, a refresh, a final
   * NOTIFY): the view becomes `bindings`, keeping each contact's id while its
   * URI is the same, and nothing stays pending.
   */
  fullState(bindings: readonly Binding[], now: number): Reginfo {
    const old = new Map(this.known);
    this.known.clear();
    this.pending.clear();
    for (const b of bindings) {
      if (b.expiresAt <= now) continue;
      const k = old.get(b.key);
      if (k !== undefined && k.binding.contact === b.contact) this.known.set(b.key, { id: k.id, binding: b, event: k.event });
      else this.known.set(b.key, { id: this.newId(), binding: b, event: 'registered' });
    }
    const contacts = [...this.known.values()].map((k) => contact(k.id, k.binding, 'active', k.event, now));
    return this.document('full', this.known.size > 0 ? 'active' : 'init', contacts);
  }

  /** Partial state: the contacts that changed since the last document, or null when none did. */
  partialState(now: number): Reginfo | null {
    if (this.pending.size === 0) return null;
    const contacts = [...this.pending.values()].map((p) => contact(p.id, p.binding, p.state, p.event, now));
    this.pending.clear();
    // RFC 3680 §4.7.1: "When the last contact expires or is removed, the registration transitions to terminated."
    return this.document('partial', this.known.size > 0 ? 'active' : 'terminated', contacts);
  }

  private document(state: 'full' | 'partial', registration: RegistrationState, contacts: ReginfoContact[]): Reginfo {
    // RFC 3680 §5.1: "Versions start at 0, and increment by one for each new document sent to a subscriber."
    const version = this.version;
    this.version = (this.version + 1) % 0x100000000;
    return { version, state, registrations: [{ aor: this.aor, id: this.registrationId, state: registration, contacts }] };
  }

  private activate(b: Binding, event: ContactEvent): void {
    const k: Known = { id: this.newId(), binding: b, event };
    this.known.set(b.key, k);
    this.mark(k, 'active', event);
  }

  private terminate(key: string, k: Known, event: ContactEvent): void {
    this.known.delete(key);
    this.mark(k, 'terminated', event);
  }

  /** Records a change for the next partial document; a contact the subscriber has not yet seen stays "registered". */
  private mark(k: Known, state: 'active' | 'terminated', event: ContactEvent): void {
    const p = this.pending.get(k.id);
    if (p !== undefined && state === 'active' && p.state === 'active' && p.event === 'registered') {
      p.binding = k.binding;
      return;
    }
    this.pending.delete(k.id);
    this.pending.set(k.id, { id: k.id, binding: k.binding, state, event });
  }

  private newId(): string {
    return `c${this.nextContactId++}`;
  }
}

function contact(id: string, b: Binding, state: 'active' | 'terminated', event: ContactEvent, now: number): ReginfoContact {
  return {
    id,
    state,
    event,
    uri: b.contact,
    // RFC 3680 §5.1: expires "MAY be included with any event attribute value for which the state of the contact is active".
    ...(state === 'active' ? { expires: Math.max(0, Math.round((b.expiresAt - now) / 1000)) } : {}),
    ...(b.q === null ? {} : { q: b.q }),
    callId: b.callId,
    cseq: b.cseq,
    unknownParams: unknownParams(b.params),
  };
}

/** Contact parameters other than RFC 3261's, as RFC 3680 §5.1 unknown-param elements (values as printed). */
function unknownParams(text: string): UnknownParam[] {
  let params: Params;
  try {
    params = Params.parse(text);
  } catch {
    return [];
  }
  return params.list.map((p) => ({ name: p.name, value: p.value === null ? '' : p.quoted ? quote(p.value) : p.value }));
}
