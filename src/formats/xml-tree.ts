/**
 * A source-preserving XML tree. Every node keeps the exact text it was
 * parsed from, so a document re-serialises byte for byte except where it
 * was changed: RFC 4825 §6.3 "whitespace is respected by XCAP. If a client
 * PUTs an element or document that contains whitespace, the server retains
 * that whitespace". A change clears the memoised text of the node and its
 * ancestors only, so re-serialising a large document after one edit costs
 * a join of the siblings' cached strings, not a walk of the whole tree.
 */

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface XmlAttr {
  readonly qname: string;
  readonly prefix: string | null;
  readonly local: string;
  /** Namespace URI; null for unprefixed attributes (Namespaces in XML §6.2). */
  readonly ns: string | null;
  /** Normalised value (entities expanded, whitespace per XML 1.0 §3.3.3). */
  readonly value: string;
  /** Source text including the whitespace before the name. */
  readonly raw: string;
  /** A namespace declaration (`xmlns` or `xmlns:p`); not an attribute for XCAP selection. */
  readonly isNsDecl: boolean;
}

export interface XmlElement {
  readonly kind: 'element';
  readonly qname: string;
  readonly prefix: string | null;
  readonly local: string;
  readonly ns: string | null;
  attrs: XmlAttr[];
  /** Bindings declared on this element: prefix ('' for the default) -> URI. */
  readonly nsDecls: ReadonlyMap<string, string>;
  children: XmlNode[];
  parent: XmlElement | null;
  /** `<name attrs ws` without the closing `>` or `/>`. */
  openRaw: string;
  selfClosing: boolean;
  /** Memoised serialisation, null after a change below this element. */
  raw: string | null;
  /**
   * Memoised lookups of children by name and attribute value (select.ts),
   * null after a change below this element (invalidate clears it with `raw`).
   */
  index: Map<string, ChildLookup> | null;
}

/** Children named {ns}local, by the value of their attribute {atNs}atLocal; null: more than one has it. */
export interface ChildLookup {
  readonly ns: string | null;
  readonly local: string;
  readonly atNs: string | null;
  readonly atLocal: string;
  readonly byValue: Map<string, XmlElement | null>;
}

export interface XmlLeaf {
  readonly kind: 'text' | 'cdata' | 'comment' | 'pi';
  readonly raw: string;
}

export type XmlNode = XmlElement | XmlLeaf;

export interface XmlDocumentTree {
  /** Everything before the root element (XML declaration, comments, whitespace). */
  prolog: string;
  root: XmlElement;
  epilog: string;
}

export function serializeElement(el: XmlElement): string {
  if (el.raw !== null) return el.raw;
  let out: string;
  if (el.children.length === 0 && el.selfClosing) out = el.openRaw + '/>';
  else {
    const parts: string[] = [el.openRaw, '>'];
    for (const c of el.children) parts.push(c.kind === 'element' ? serializeElement(c) : c.raw);
    parts.push('</', el.qname, '>');
    out = parts.join('');
  }
  el.raw = out;
  return out;
}

export function serializeDocument(doc: XmlDocumentTree): string {
  return doc.prolog + serializeElement(doc.root) + doc.epilog;
}

/** Clears memoised text only, from `el` up to the root: for a change of `el`'s children whose lookups are kept up to date. */
export function invalidateText(el: XmlElement | null): void {
  for (let e = el; e !== null; e = e.parent) e.raw = null;
}

/**
 * Clears memoised text and lookups from `el` up to the root after a change
 * below it (a change of `el`'s attributes also changes its parent's lookups).
 */
export function invalidate(el: XmlElement | null): void {
  for (let e = el; e !== null; e = e.parent) {
    e.raw = null;
    e.index = null;
  }
}

export function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.kind === 'element') out.push(c);
  return out;
}

/** Namespace bindings in scope for `el`, innermost first wins ('' = default). */
export function inScopeNamespaces(el: XmlElement): Map<string, string> {
  const chain: XmlElement[] = [];
  for (let e: XmlElement | null = el; e !== null; e = e.parent) chain.push(e);
  const out = new Map<string, string>();
  for (let i = chain.length - 1; i >= 0; i--) {
    for (const [p, u] of chain[i]!.nsDecls) {
      // Namespaces in XML 1.0 §6.2: xmlns="" undeclares the default namespace.
      if (u === '') out.delete(p);
      else out.set(p, u);
    }
  }
  return out;
}

export function getAttr(el: XmlElement, local: string, ns: string | null = null): XmlAttr | undefined {
  for (const a of el.attrs) if (!a.isNsDecl && a.local === local && a.ns === ns) return a;
  return undefined;
}

export function attrValue(el: XmlElement, local: string, ns: string | null = null): string | undefined {
  return getAttr(el, local, ns)?.value;
}

/** Text content of an element (character data of all descendants). */
export function textContent(el: XmlElement): string {
  let out = '';
  for (const c of el.children) {
    if (c.kind === 'element') out += textContent(c);
    else if (c.kind === 'text') out += decodeText(c.raw);
    else if (c.kind === 'cdata') out += c.raw.slice(9, -3);
  }
  return out;
}

export function childElements(el: XmlElement, local: string, ns: string | null): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.kind === 'element' && c.local === local && c.ns === ns) out.push(c);
  return out;
}

export function firstChild(el: XmlElement, local: string, ns: string | null): XmlElement | undefined {
  for (const c of el.children) if (c.kind === 'element' && c.local === local && c.ns === ns) return c;
  return undefined;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Expands the five predefined entities and character references (XML 1.0 §4.1, §4.6). */
export function decodeText(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (m, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return String.fromCodePoint(cp);
    }
    return PREDEFINED[ref] ?? m;
  });
}

export function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function escapeAttr(s: string): string {
  return s.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case '\t': return '&#9;';
      case '\n': return '&#10;';
      default: return '&#13;';
    }
  });
}
