import { escapeAttr, escapeText } from './xml-tree.js';

/** application/xcap-error+xml (RFC 4825 §11), namespace urn:ietf:params:xml:ns:xcap-error. */
export const XCAP_ERROR_NS = 'urn:ietf:params:xml:ns:xcap-error';
export const XCAP_ERROR_TYPE = 'application/xcap-error+xml';

export interface UniquenessExists {
  /** Relative URI of the element or attribute that must be unique, percent-encoded, starting at the root element. */
  readonly field: string;
  readonly altValues?: readonly string[];
}

/** One error condition of RFC 4825 §11.1; every one may carry a human-readable phrase. */
export type XcapErrorCondition =
  | { readonly kind: 'not-well-formed'; readonly phrase?: string }
  | { readonly kind: 'not-xml-frag'; readonly phrase?: string }
  | { readonly kind: 'no-parent'; readonly phrase?: string; readonly ancestor?: string }
  | { readonly kind: 'schema-validation-error'; readonly phrase?: string }
  | { readonly kind: 'not-xml-att-value'; readonly phrase?: string }
  | { readonly kind: 'cannot-insert'; readonly phrase?: string }
  | { readonly kind: 'cannot-delete'; readonly phrase?: string }
  | { readonly kind: 'uniqueness-failure'; readonly phrase?: string; readonly exists: readonly UniquenessExists[] }
  | { readonly kind: 'constraint-failure'; readonly phrase?: string }
  | { readonly kind: 'not-utf-8'; readonly phrase?: string };

function phraseAttr(p: string | undefined): string {
  return p === undefined ? '' : ` phrase="${escapeAttr(p)}"`;
}

export function serializeXcapError(c: XcapErrorCondition): string {
  let inner: string;
  switch (c.kind) {
    case 'no-parent':
      inner =
        c.ancestor === undefined
          ? `<no-parent${phraseAttr(c.phrase)}/>`
          : `<no-parent${phraseAttr(c.phrase)}><ancestor>${escapeText(c.ancestor)}</ancestor></no-parent>`;
      break;
    case 'uniqueness-failure':
      inner =
        `<uniqueness-failure${phraseAttr(c.phrase)}>` +
        c.exists
          .map(
            (e) =>
              `<exists field="${escapeAttr(e.field)}">` +
              (e.altValues ?? []).map((v) => `<alt-value>${escapeText(v)}</alt-value>`).join('') +
              '</exists>',
          )
          .join('') +
        '</uniqueness-failure>';
      break;
    default:
      inner = `<${c.kind}${phraseAttr(c.phrase)}/>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<xcap-error xmlns="${XCAP_ERROR_NS}">${inner}</xcap-error>\n`;
}
