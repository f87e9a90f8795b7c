import type { Clock, TimerHandle } from '../../formats/clock.js';
import { fnv1a32 } from '../../formats/fnv.js';
import { REGINFO_TYPE, buildReginfo } from '../../formats/reginfo.js';
import type { RandomSource } from '../../sip/ids.js';
import type { SipRequest, SipResponse } from '../../sip/message.js';
import { createResponse } from '../../sip/response.js';
import type { TransactionLayer } from '../../sip/transaction/transaction-layer.js';
import type { Binding, Bindings } from '../../store/bindings.js';
import type { CoreHooks } from '../sip-core.js';
import { acceptsType } from '../subscription/event-header.js';
import { NotifierDialogs, type NotifierSubscription, type NotifyBody } from '../subscription/notifier-dialog.js';
import { RegistrationView } from './registration-view.js';

/**
 * The registration event package's notifier (RFC 3680 over RFC 6665), for
 * a user's own registrations: a device SUBSCRIBEs to its user's AoR with
 * `Event: reg` and learns every contact bound to it, first all of them
 * (full state), then each change as a partial document: a device
 * registered, refreshed, unregistered, replaced, or expired on the clock.
 * The registrar tells us of changes (`registrationChanged`, its change
 * listener); expiries we time ourselves, since nothing REGISTERs then.
 */
export interface RegEventNotifierOptions {
  readonly layer: Pick<TransactionLayer, 'sendRequest'>;
  readonly bindings: Pick<Bindings, 'list'>;
  readonly clock: Clock;
  /** Our SIP domain: the host of the Contact our dialogs use. */
  readonly domain: string;
  /** RFC 3680 §4.4: 3761 s, "slightly longer" than the default registration. */
  readonly defaultExpires?: number;
  readonly minExpires?: number;
  readonly maxExpires?: number;
  readonly random?: RandomSource;
}

export const REG_EVENT = 'reg';

interface RegState {
  readonly view: RegistrationView;
  /** Fires when the next contact of the view runs out. */
  expiryTimer: TimerHandle | undefined;
  /** The registrar's latest complete list, when it spoke while a full-state read of the store was in flight. */
  newer: readonly Binding[] | undefined;
}

type Sub = NotifierSubscription<RegState>;

export class RegEventNotifier {
  readonly hooks: CoreHooks;
  private readonly dialogs: NotifierDialogs<RegState>;
  private readonly clock: Clock;
  private readonly bindings: Pick<Bindings, 'list'>;

  constructor(opts: RegEventNotifierOptions) {
    this.clock = opts.clock;
    this.bindings = opts.bindings;
    this.dialogs = new NotifierDialogs<RegState>(
      {
        layer: opts.layer,
        clock: opts.clock,
        domain: opts.domain,
        defaultExpires: opts.defaultExpires ?? 3761,
        minExpires: opts.minExpires ?? 60,
        maxExpires: opts.maxExpires ?? 86400,
        ...(opts.random === undefined ? {} : { random: opts.random }),
      },
      {
        event: REG_EVENT,
        contactPrefix: 'reg-',
        // RFC 3680 §4.6: "all subscriptions to it SHOULD be authenticated and authorized"; "It is
        // RECOMMENDED that a user be allowed to subscribe to their own registration state." That is the
        // only subscription we allow: the core's originator is the authenticated AoR.
        authorize: (r) => (r.originator === null || r.originator !== r.target ? 'Only the user may watch their own registrations' : null),
        check: (req, toTag) => check(req, toTag),
        open: (r) => ({ state: { view: new RegistrationView(r.target, registrationId(r.target)), expiryTimer: undefined, newer: undefined } }),
        render: (sub, full) => this.render(sub, full),
        closed: (sub) => this.disarm(sub),
      },
    );
    this.hooks = this.dialogs.hooks;
  }

  /** Subscriptions now active (for tests and metrics). */
  get size(): number {
    return this.dialogs.size;
  }

  close(): void {
    this.dialogs.close();
  }

  /** The registrar's change listener: `bindings` are all live bindings of `aor`, `added` the ones added or refreshed. */
  registrationChanged(aor: string, bindings: readonly Binding[], added: readonly Binding[]): void {
    const now = this.clock.now();
    for (const sub of this.dialogs.subscriptions()) {
      if (sub.target !== aor) continue;
      sub.state.newer = bindings;
      if (sub.state.view.update(bindings, added, now)) this.dialogs.changed(sub);
      this.arm(sub);
    }
  }

  private async render(sub: Sub, full: boolean): Promise<NotifyBody | null> {
    const st = sub.state;
    let doc;
    if (full) {
      st.newer = undefined;
      const stored = await this.bindings.list(sub.target, this.clock.now());
      // A REGISTER that completed while the store was read is newer than what the read returned.
      doc = st.view.fullState(st.newer ?? stored, this.clock.now());
    } else {
      doc = st.view.partialState(this.clock.now());
      if (doc === null) return null;
    }
    if (!sub.terminated) this.arm(sub);
    return { contentType: REGINFO_TYPE, body: buildReginfo(doc) };
  }

  /** Times the view's next expiry: RFC 3680 §4.7.1 "expired" happens without any REGISTER. */
  private arm(sub: Sub): void {
    this.disarm(sub);
    const at = sub.state.view.nextExpiry();
    if (at === undefined) return;
    sub.state.expiryTimer = this.clock.setTimeout(() => {
      sub.state.expiryTimer = undefined;
      if (sub.state.view.expire(this.clock.now())) this.dialogs.changed(sub);
      this.arm(sub);
    }, Math.max(0, at - this.clock.now()));
  }

  private disarm(sub: Sub): void {
    if (sub.state.expiryTimer !== undefined) this.clock.clearTimeout(sub.state.expiryTimer);
    sub.state.expiryTimer = undefined;
  }
}

/** RFC 3680 §4.5: an Accept header "MUST include application/reginfo+xml"; there is no SUBSCRIBE body to check. */
function check(req: SipRequest, toTag: string): SipResponse | null {
  if (acceptsType(req, REGINFO_TYPE)) return null;
  return createResponse(req, 406, { toTag, headers: [['Accept', REGINFO_TYPE]] });
}

/**
 * The <registration> id: one AoR per subscription here, so any stable
 * value would do; a hash of the AoR keeps it the same across refreshes and
 * across subscriptions (RFC 3680 §5.1 asks only within one).
 */
function registrationId(aor: string): string {
  return `a${fnv1a32(aor).toString(16).padStart(8, '0')}`;
}
