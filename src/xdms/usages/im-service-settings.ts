import { childElements } from '../../formats/xml-tree.js';
import type { ApplicationUsage } from '../application-usage.js';

/**
 * IM service settings kept in the XDMS (OMA IM digest §6.2 option (b); the
 * carrier, AUID, MIME type and root element are UNCONFIRMED choices).
 */
export const IM_SETTINGS_AUID = 'org.openmobilealliance.im-settings';
export const IM_SETTINGS_NS = 'urn:oma:xml:im:service-settings';
export const IM_SETTINGS_DOCUMENT = 'index';

const SINGLE = ['service-id', 'active', 'deferred-settings', 'vis-settings', 'hist-settings'];

export function imServiceSettingsUsage(): ApplicationUsage {
  return {
    auid: IM_SETTINGS_AUID,
    mimeType: 'application/vnd.oma.im.service-settings+xml',
    defaultNamespace: IM_SETTINGS_NS,
    namespaces: [IM_SETTINGS_NS],
    schema: 'im-service-settings.xsd',
    root: { ns: IM_SETTINGS_NS, local: 'im-settings' },
    usersTree: true,
    ownerMayPut: true,
    checkConstraints(tree) {
      for (const n of SINGLE) {
        if (childElements(tree.root, n, IM_SETTINGS_NS).length > 1) return { kind: 'constraint-failure', phrase: `more than one <${n}>` };
      }
      return null;
    },
  };
}
