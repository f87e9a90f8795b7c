import type { UniquenessExists } from '../../formats/xcap-error.js';
import type { ApplicationUsage } from '../application-usage.js';
import { siblingUniqueness } from './uniqueness.js';

/**
 * The deferred-messages list (OMA IM digest §3.4): AUID, MIME type,
 * namespace and document name as seen in implementations. The owner reads
 * it and may DELETE <history> entries; only the IM server (a trusted
 * principal) writes it.
 */
export const DEFERRED_LIST_AUID = 'org.openmobilealliance.deferred-list';
export const HISTORY_LIST_NS = 'urn:oma:xml:im:history-list';
export const DEFERRED_LIST_DOCUMENT = 'deferred-list';

export function deferredListUsage(): ApplicationUsage {
  return {
    auid: DEFERRED_LIST_AUID,
    mimeType: 'application/vnd.oma.im.deferred-list+xml',
    defaultNamespace: HISTORY_LIST_NS,
    namespaces: [HISTORY_LIST_NS],
    schema: 'deferred-list.xsd',
    root: { ns: HISTORY_LIST_NS, local: 'history-list' },
    usersTree: true,
    ownerMayPut: false,
    checkConstraints(tree) {
      const exists: UniquenessExists[] = siblingUniqueness(tree.root, 'history', HISTORY_LIST_NS, 'id', HISTORY_LIST_NS);
      return exists.length > 0 ? { kind: 'uniqueness-failure', exists } : null;
    },
  };
}
