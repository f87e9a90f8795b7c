import type { XcapErrorCondition, UniquenessExists } from '../../formats/xcap-error.js';
import { attrValue, childElements } from '../../formats/xml-tree.js';
import type { ApplicationUsage } from '../application-usage.js';
import { fieldSelector } from '../field-selector.js';
import { altUris } from './uniqueness.js';

const NS = 'urn:ietf:params:xml:ns:rls-services';

/**
 * rls-services (RFC 4826 §4.4). §4.4.5: "the URI in the "uri" attribute of
 * the <service> element MUST be unique amongst all other URIs in "uri"
 * elements in any <service> element in any document on a particular server."
 * The synthesised global index (§4.4.8) is not served yet.
 */
export function rlsServicesUsage(): ApplicationUsage {
  return {
    auid: 'rls-services',
    mimeType: 'application/rls-services+xml',
    defaultNamespace: NS,
    namespaces: [NS],
    schema: 'rls-services.xsd',
    root: { ns: NS, local: 'rls-services' },
    usersTree: true,
    ownerMayPut: true,
    async checkConstraints(tree, ctx): Promise<XcapErrorCondition | null> {
      const taken = new Set<string>();
      for (const d of await ctx.documentsOf('rls-services')) {
        if (d.key.xui === ctx.key.xui && d.key.path === ctx.key.path) continue;
        for (const s of childElements(d.tree.root, 'service', NS)) {
          const u = attrValue(s, 'uri');
          if (u !== undefined) taken.add(u);
        }
      }
      const exists: UniquenessExists[] = [];
      for (const s of childElements(tree.root, 'service', NS)) {
        const u = attrValue(s, 'uri');
        if (u === undefined) continue;
        if (taken.has(u)) exists.push({ field: fieldSelector(s, NS, 'uri'), altValues: altUris(u, taken) });
        taken.add(u);
      }
      return exists.length > 0 ? { kind: 'uniqueness-failure', exists } : null;
    },
  };
}
