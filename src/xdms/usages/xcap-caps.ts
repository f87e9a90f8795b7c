import { XCAP_CAPS_NS, XCAP_CAPS_TYPE } from '../../formats/xcap-caps.js';
import type { ApplicationUsage } from '../application-usage.js';

/**
 * xcap-caps (RFC 4825 §12). §12.7: "A server MUST maintain a single instance
 * of the document in the global tree, using the filename "index". There
 * MUST NOT be an instance of this document in the user's tree." The document
 * is generated from the registry (see registry.ts), so it is always current.
 */
export function xcapCapsUsage(generate: () => string): ApplicationUsage {
  return {
    auid: 'xcap-caps',
    mimeType: XCAP_CAPS_TYPE,
    defaultNamespace: XCAP_CAPS_NS,
    namespaces: [XCAP_CAPS_NS],
    schema: 'xcap-caps.xsd',
    root: { ns: XCAP_CAPS_NS, local: 'xcap-caps' },
    usersTree: false,
    ownerMayPut: false,
    globalDocument: (path) => (path === 'index' ? generate() : null),
  };
}
