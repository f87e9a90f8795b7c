import { escapeAttr, escapeText } from './xml-tree.js';

/**
 * The xcap-diff document format (RFC 5874), carried in NOTIFYs of the
 * xcap-diff event package (RFC 5875). This builder covers document-level
 * changes (new and previous ETags, or a deleted document) and element or
 * attribute entries; it does not emit RFC 5261 patch operations, which
 * RFC 5874 §4 leaves optional ("the document element MAY contain ... patch
 * operations"): a client that sees a new ETag fetches the document.
 */
export const XCAP_DIFF_NS = 'urn:ietf:params:xml:ns:xcap-diff';
export const XCAP_DIFF_TYPE = 'application/xcap-diff+xml';

export interface XcapDiffDocument {
  readonly kind: 'document';
  /** Document selector relative to the XCAP root, e.g. "resource-lists/users/sip:joe@example.com/index". */
  readonly sel: string;
  /** Absent when the document was deleted. */
  readonly newEtag?: string;
  /** Absent when the document was created. */
  readonly previousEtag?: string;
}

export interface XcapDiffElement {
  readonly kind: 'element';
  readonly sel: string;
  /** false: the element no longer exists. */
  readonly exists: boolean;
  /** The element's XML when it exists and the subscriber asked for content. */
  readonly content?: string;
}

export interface XcapDiffAttribute {
  readonly kind: 'attribute';
  readonly sel: string;
  readonly exists: boolean;
  readonly value?: string;
}

export type XcapDiffEntry = XcapDiffDocument | XcapDiffElement | XcapDiffAttribute;

function stripQuotes(etag: string): string {
  return etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

export function buildXcapDiff(xcapRoot: string, entries: readonly XcapDiffEntry[]): string {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<xcap-diff xmlns="${XCAP_DIFF_NS}" xcap-root="${escapeAttr(xcapRoot)}">`];
  for (const e of entries) {
    if (e.kind === 'document') {
      let a = ` sel="${escapeAttr(e.sel)}"`;
      // RFC 5874 §4: new-etag absent means the document was removed; previous-etag absent means it is new.
      if (e.newEtag !== undefined) a += ` new-etag="${escapeAttr(stripQuotes(e.newEtag))}"`;
      if (e.previousEtag !== undefined) a += ` previous-etag="${escapeAttr(stripQuotes(e.previousEtag))}"`;
      lines.push(` <document${a}/>`);
    } else if (e.kind === 'element') {
      if (!e.exists) lines.push(` <element sel="${escapeAttr(e.sel)}" exists="0"/>`);
      else if (e.content === undefined) lines.push(` <element sel="${escapeAttr(e.sel)}"/>`);
      else lines.push(` <element sel="${escapeAttr(e.sel)}">${e.content}</element>`);
    } else {
      if (!e.exists) lines.push(` <attribute sel="${escapeAttr(e.sel)}" exists="0"/>`);
      else lines.push(` <attribute sel="${escapeAttr(e.sel)}">${escapeText(e.value ?? '')}</attribute>`);
    }
  }
  lines.push('</xcap-diff>', '');
  return lines.join('\n');
}
