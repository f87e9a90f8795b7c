import { buildXcapCaps } from '../../formats/xcap-caps.js';
import type { ApplicationUsage } from '../application-usage.js';
import { deferredListUsage } from './deferred-list.js';
import { imRulesUsage } from './im-rules.js';
import { imServiceSettingsUsage } from './im-service-settings.js';
import { omaGroupsUsage } from './oma-groups.js';
import { resourceListsUsage } from './resource-lists.js';
import { rlsServicesUsage } from './rls-services.js';
import { xcapCapsUsage } from './xcap-caps.js';

/** The application usages this server understands, by AUID (RFC 4825 §8: others get 404). */
export class UsageRegistry {
  private readonly byAuid = new Map<string, ApplicationUsage>();

  constructor(usages: readonly ApplicationUsage[]) {
    for (const u of usages) this.byAuid.set(u.auid, u);
    // RFC 4825 §12: "All XCAP servers MUST support this application usage."
    if (!this.byAuid.has('xcap-caps')) this.byAuid.set('xcap-caps', xcapCapsUsage(() => this.capsDocument()));
  }

  get(auid: string): ApplicationUsage | undefined {
    return this.byAuid.get(auid);
  }

  all(): ApplicationUsage[] {
    return [...this.byAuid.values()];
  }

  capsDocument(): string {
    const auids = [...this.byAuid.keys()].sort();
    const namespaces = [...new Set(this.all().flatMap((u) => u.namespaces))].sort();
    return buildXcapCaps({ auids, namespaces });
  }
}

/** The default set: xcap-caps, resource-lists, rls-services and the OMA IM usages. */
export function defaultUsages(): UsageRegistry {
  return new UsageRegistry([
    resourceListsUsage(),
    rlsServicesUsage(),
    omaGroupsUsage(),
    imRulesUsage(),
    imServiceSettingsUsage(),
    deferredListUsage(),
  ]);
}
