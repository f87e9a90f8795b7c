import { escapeText } from './xml-tree.js';

/** The xcap-caps document (RFC 4825 §12), namespace urn:ietf:params:xml:ns:xcap-caps. */
export const XCAP_CAPS_NS = 'urn:ietf:params:xml:ns:xcap-caps';
export const XCAP_CAPS_TYPE = 'application/xcap-caps+xml';

export function buildXcapCaps(caps: { auids: readonly string[]; extensions?: readonly string[]; namespaces: readonly string[] }): string {
  const auids = caps.auids.map((a) => `  <auid>${escapeText(a)}</auid>`).join('\n');
  const ns = caps.namespaces.map((n) => `  <namespace>${escapeText(n)}</namespace>`).join('\n');
  const ext = caps.extensions && caps.extensions.length > 0
    ? ` <extensions>\n${caps.extensions.map((e) => `  <extension>${escapeText(e)}</extension>`).join('\n')}\n </extensions>\n`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<xcap-caps xmlns="${XCAP_CAPS_NS}">\n <auids>\n${auids}\n </auids>\n${ext} <namespaces>\n${ns}\n </namespaces>\n</xcap-caps>\n`;
}
