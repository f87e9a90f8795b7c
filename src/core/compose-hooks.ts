import type { CoreHooks, LocalRequest } from './sip-core.js';
import type { SipResponse } from '../sip/message.js';

/**
 * Chains hook sets (the IM server's, the XDMS notifier's...): the first set
 * that takes a request wins, later sets see only what earlier ones left.
 */
export function composeHooks(...sets: readonly CoreHooks[]): CoreHooks {
  return {
    async beforeLocation(r: LocalRequest) {
      for (const s of sets) if (s.beforeLocation && (await s.beforeLocation(r))) return true;
      return false;
    },
    async serviceRequest(r: LocalRequest) {
      for (const s of sets) if (s.serviceRequest && (await s.serviceRequest(r))) return true;
      return false;
    },
    async onUnreachable(r: LocalRequest, failure: SipResponse) {
      for (const s of sets) {
        const alt = s.onUnreachable ? await s.onUnreachable(r, failure) : undefined;
        if (alt) return alt;
      }
      return undefined;
    },
  };
}
