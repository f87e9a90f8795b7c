import {
  XML_NS,
  decodeText,
  type XmlAttr,
  type XmlDocumentTree,
  type XmlElement,
  type XmlNode,
} from './xml-tree.js';

/**
 * Builds the source-preserving tree of xml-tree.ts. It is a fast scanner for
 * text already known to be well-formed (checked by xml-wellformed.ts, or
 * read back from the store): it detects gross errors and unbound prefixes
 * but does not report XML 1.0's finer well-formedness rules.
 */
export class XmlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at offset ${offset}`);
    this.name = 'XmlSyntaxError';
  }
}

const BASE_SCOPE: ReadonlyMap<string, string> = new Map([['xml', XML_NS]]);

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNameEnd(c: number): boolean {
  return isWs(c) || c === 0x3e /* > */ || c === 0x2f /* / */ || c === 0x3d /* = */ || Number.isNaN(c);
}

function splitQName(q: string, offset: number): [string | null, string] {
  const i = q.indexOf(':');
  if (i < 0) return [null, q];
  if (i === 0 || i === q.length - 1 || q.indexOf(':', i + 1) >= 0) throw new XmlSyntaxError(`bad qualified name "${q}"`, offset);
  return [q.slice(0, i), q.slice(i + 1)];
}

class Scanner {
  i: number;
  constructor(
    readonly src: string,
    start: number,
  ) {
    this.i = start;
  }

  skipWs(): void {
    const s = this.src;
    while (this.i < s.length && isWs(s.charCodeAt(this.i))) this.i++;
  }

  readName(): string {
    const s = this.src;
    const start = this.i;
    while (this.i < s.length && !isNameEnd(s.charCodeAt(this.i))) this.i++;
    if (this.i === start) throw new XmlSyntaxError('name expected', start);
    return s.slice(start, this.i);
  }

  skipPast(token: string, what: string): void {
    const j = this.src.indexOf(token, this.i);
    if (j < 0) throw new XmlSyntaxError(`unterminated ${what}`, this.i);
    this.i = j + token.length;
  }

  /** Parses one element (the scanner is at its `<`) and everything inside it. */
  element(scope: ReadonlyMap<string, string>, parent: XmlElement | null): XmlElement {
    const src = this.src;
    const stack: { el: XmlElement; start: number; scope: ReadonlyMap<string, string> }[] = [];
    let root: XmlElement | null = null;
    let curScope = scope;
    let curParent = parent;
    for (;;) {
      // At a start tag.
      const tagStart = this.i;
      this.i++;
      const qname = this.readName();
      const attrs: { qname: string; rawValue: string; raw: string; off: number }[] = [];
      let selfClosing = false;
      let openEnd: number;
      for (;;) {
        const wsStart = this.i;
        this.skipWs();
        const c = src.charCodeAt(this.i);
        if (c === 0x3e) {
          openEnd = this.i;
          this.i++;
          break;
        }
        if (c === 0x2f && src.charCodeAt(this.i + 1) === 0x3e) {
          openEnd = this.i;
          this.i += 2;
          selfClosing = true;
          break;
        }
        if (this.i === wsStart) throw new XmlSyntaxError('whitespace expected before attribute', this.i);
        const off = this.i;
        const an = this.readName();
        this.skipWs();
        if (src.charCodeAt(this.i) !== 0x3d) throw new XmlSyntaxError('"=" expected', this.i);
        this.i++;
        this.skipWs();
        const q = src[this.i];
        if (q !== '"' && q !== "'") throw new XmlSyntaxError('quoted attribute value expected', this.i);
        const vEnd = src.indexOf(q, this.i + 1);
        if (vEnd < 0) throw new XmlSyntaxError('unterminated attribute value', this.i);
        const rawValue = src.slice(this.i + 1, vEnd);
        if (rawValue.indexOf('<') >= 0) throw new XmlSyntaxError('"<" in attribute value', this.i);
        this.i = vEnd + 1;
        attrs.push({ qname: an, rawValue, raw: src.slice(wsStart, this.i), off });
      }
      // Namespace declarations first: they apply to the element's own name and attributes.
      let nsDecls: Map<string, string> | null = null;
      for (const a of attrs) {
        if (a.qname === 'xmlns' || a.qname.startsWith('xmlns:')) {
          nsDecls ??= new Map();
          const p = a.qname === 'xmlns' ? '' : a.qname.slice(6);
          const uri = normaliseAttr(a.rawValue);
          if (p !== '' && uri === '') throw new XmlSyntaxError(`prefix "${p}" undeclared with an empty URI`, a.off);
          nsDecls.set(p, uri);
        }
      }
      let scopeHere = curScope;
      if (nsDecls !== null) {
        const m = new Map(curScope);
        for (const [p, u] of nsDecls) {
          if (u === '') m.delete(p);
          else m.set(p, u);
        }
        scopeHere = m;
      }
      const [prefix, local] = splitQName(qname, tagStart + 1);
      let ns: string | null;
      if (prefix === null) ns = scopeHere.get('') ?? null;
      else {
        const u = scopeHere.get(prefix);
        if (u === undefined) throw new XmlSyntaxError(`unbound namespace prefix "${prefix}"`, tagStart + 1);
        ns = u;
      }
      const outAttrs: XmlAttr[] = [];
      const seen = new Set<string>();
      for (const a of attrs) {
        const isNsDecl = a.qname === 'xmlns' || a.qname.startsWith('xmlns:');
        const [ap, al] = splitQName(a.qname, a.off);
        let ans: string | null = null;
        if (!isNsDecl && ap !== null) {
          const u = scopeHere.get(ap);
          if (u === undefined) throw new XmlSyntaxError(`unbound namespace prefix "${ap}"`, a.off);
          ans = u;
        }
        const key = isNsDecl ? `xmlns ${a.qname}` : `${ans ?? ''} ${al}`;
        if (seen.has(key)) throw new XmlSyntaxError(`duplicate attribute "${a.qname}"`, a.off);
        seen.add(key);
        outAttrs.push({ qname: a.qname, prefix: ap, local: al, ns: ans, value: normaliseAttr(a.rawValue), raw: a.raw, isNsDecl });
      }
      const el: XmlElement = {
        kind: 'element',
        qname,
        prefix,
        local,
        ns,
        attrs: outAttrs,
        nsDecls: nsDecls ?? EMPTY,
        children: [],
        parent: curParent,
        openRaw: src.slice(tagStart, openEnd),
        selfClosing,
        raw: null,
        index: null,
      };
      if (curParent !== null && stack.length > 0) curParent.children.push(el);
      if (root === null) root = el;
      if (selfClosing) {
        el.raw = src.slice(tagStart, this.i);
        if (stack.length === 0) return el;
      } else {
        stack.push({ el, start: tagStart, scope: scopeHere });
        curScope = scopeHere;
        curParent = el;
      }
      // Content until the next start tag, or until the stack empties.
      for (;;) {
        const top = stack[stack.length - 1]!;
        const lt = src.indexOf('<', this.i);
        if (lt < 0) throw new XmlSyntaxError(`unclosed element <${top.el.qname}>`, this.i);
        if (lt > this.i) top.el.children.push({ kind: 'text', raw: src.slice(this.i, lt) });
        this.i = lt;
        const c1 = src.charCodeAt(lt + 1);
        if (c1 === 0x2f /* </ */) {
          this.i = lt + 2;
          const name = this.readName();
          if (name !== top.el.qname) throw new XmlSyntaxError(`</${name}> does not close <${top.el.qname}>`, lt);
          this.skipWs();
          if (src.charCodeAt(this.i) !== 0x3e) throw new XmlSyntaxError('">" expected', this.i);
          this.i++;
          top.el.raw = src.slice(top.start, this.i);
          stack.pop();
          if (stack.length === 0) return root;
          curParent = stack[stack.length - 1]!.el;
          curScope = stack[stack.length - 1]!.scope;
          continue;
        }
        if (c1 === 0x21 /* ! */) {
          if (src.startsWith('<!--', lt)) {
            this.skipPast('-->', 'comment');
            top.el.children.push({ kind: 'comment', raw: src.slice(lt, this.i) });
            continue;
          }
          if (src.startsWith('<![CDATA[', lt)) {
            this.skipPast(']]>', 'CDATA section');
            top.el.children.push({ kind: 'cdata', raw: src.slice(lt, this.i) });
            continue;
          }
          throw new XmlSyntaxError('markup declaration not allowed here', lt);
        }
        if (c1 === 0x3f /* ? */) {
          this.skipPast('?>', 'processing instruction');
          top.el.children.push({ kind: 'pi', raw: src.slice(lt, this.i) });
          continue;
        }
        break; // a start tag: parse it in the outer loop
      }
    }
  }

  /** Whitespace, comments and PIs outside the root element; returns false at anything else. */
  misc(allowXmlDecl: boolean): void {
    const s = this.src;
    for (;;) {
      this.skipWs();
      if (s.startsWith('<?', this.i)) {
        if (!allowXmlDecl && /^<\?xml[\s?]/.test(s.slice(this.i, this.i + 6))) {
          throw new XmlSyntaxError('XML declaration not at the start', this.i);
        }
        this.skipPast('?>', 'processing instruction');
      } else if (s.startsWith('<!--', this.i)) this.skipPast('-->', 'comment');
      else return;
      allowXmlDecl = false;
    }
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();

function normaliseAttr(raw: string): string {
  // XML 1.0 §3.3.3: literal whitespace characters become spaces before references are expanded.
  return decodeText(raw.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' '));
}

export function parseXmlDocument(src: string): XmlDocumentTree {
  const sc = new Scanner(src, 0);
  if (src.charCodeAt(0) === 0xfeff) sc.i = 1;
  sc.misc(true);
  if (src.startsWith('<!DOCTYPE', sc.i)) throw new XmlSyntaxError('document type declarations are not accepted', sc.i);
  sc.misc(false);
  if (src[sc.i] !== '<') throw new XmlSyntaxError('root element expected', sc.i);
  const rootStart = sc.i;
  const root = sc.element(BASE_SCOPE, null);
  const rootEnd = sc.i;
  sc.misc(false);
  if (sc.i !== src.length) throw new XmlSyntaxError('content after the root element', sc.i);
  return { prolog: src.slice(0, rootStart), root, epilog: src.slice(rootEnd) };
}

/**
 * Parses an XML fragment body holding exactly one element, in the namespace
 * context of the element it will be inserted under (RFC 4825 §8.2.2).
 */
export function parseXmlElementFragment(src: string, scope: ReadonlyMap<string, string>, parent: XmlElement | null): XmlElement {
  const sc = new Scanner(src, 0);
  sc.skipWs();
  if (src[sc.i] !== '<' || src[sc.i + 1] === '/' || src[sc.i + 1] === '!' || src[sc.i + 1] === '?') {
    throw new XmlSyntaxError('one element expected', sc.i);
  }
  const full = new Map(BASE_SCOPE);
  for (const [p, u] of scope) full.set(p, u);
  const el = sc.element(full, parent);
  sc.skipWs();
  if (sc.i !== src.length) throw new XmlSyntaxError('content after the element', sc.i);
  return el;
}

export type { XmlNode };
