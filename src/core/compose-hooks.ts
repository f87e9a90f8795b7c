import type { CoreHooks, LocalRequest, OriginatingRequest } from './sip-core.js';
import type { SipResponse } from '../sip/message.js';
import type { Binding } from '../store/bindings.js';

/**
 * Chains hook sets (the IM server's, the XDMS notifier's...): the first set
 * that takes a request wins, later sets see only what earlier ones left.
 * A hook no set implements stays absent, so the core keeps its own default.
 */
export function composeHooks(...sets: readonly CoreHooks[]): CoreHooks {
  const out: CoreHooks = {};
  const has = (k: keyof CoreHooks) => sets.some((s) => s[k] !== undefined);
  if (has('originating')) {
    out.originating = async (r: OriginatingRequest) => {
      for (const s of sets) if (s.originating && (await s.originating(r))) return true;
      return false;
    };
  }
  if (has('selectBindings')) {
    out.selectBindings = (r: LocalRequest, all: readonly Binding[]) => {
      for (const s of sets) {
        const chosen = s.selectBindings?.(r, all);
        if (chosen !== undefined) return chosen;
      }
      return undefined;
    };
  }
  if (has('beforeLocation')) {
    out.beforeLocation = async (r: LocalRequest) => {
      for (const s of sets) if (s.beforeLocation && (await s.beforeLocation(r))) return true;
      return false;
    };
  }
  if (has('serviceRequest')) {
    out.serviceRequest = async (r: LocalRequest) => {
      for (const s of sets) if (s.serviceRequest && (await s.serviceRequest(r))) return true;
      return false;
    };
  }
  if (has('onUnreachable')) {
    out.onUnreachable = async (r: LocalRequest, failure: SipResponse) => {
      for (const s of sets) {
        const alt = s.onUnreachable ? await s.onUnreachable(r, failure) : undefined;
        if (alt) return alt;
      }
      return undefined;
    };
  }
  return out;
}
