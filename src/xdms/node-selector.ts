import { decodeText } from '../formats/xml-tree.js';

/**
 * The node selector of RFC 4825 §6.3, after percent-decoding:
 *
 *   node-selector      = element-selector ["/" terminal-selector]
 *   terminal-selector  = attribute-selector / namespace-selector / extension-selector
 *   step               = by-name / by-pos / by-attr / by-pos-attr / extension-selector
 *   by-pos             = NameorAny "[" position "]"
 *   by-attr            = NameorAny "[" attr-test "]"
 *   by-pos-attr        = NameorAny "[" position "]" "[" attr-test "]"
 */
export interface QName {
  readonly prefix: string | null;
  readonly local: string;
}

export type NameTest = { readonly kind: 'any' } | ({ readonly kind: 'name' } & QName);

export interface AttrTest extends QName {
  readonly value: string;
}

export interface Step {
  readonly name: NameTest;
  readonly position: number | null;
  readonly attr: AttrTest | null;
  /** The step as written, for building URIs of ancestors. */
  readonly text: string;
}

export type Terminal = ({ readonly kind: 'attribute' } & QName) | { readonly kind: 'namespace' };

export interface NodeSelector {
  readonly steps: readonly Step[];
  readonly terminal: Terminal | null;
}

/**
 * `extension`: a step or terminal this server does not understand, which
 * RFC 4825 §8 answers with 404; the grammar's extension-selector matches
 * anything that is not one of the known forms.
 */
export class NodeSelectorError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NodeSelectorError';
  }
}

const NCNAME = /^[A-Za-z_\u00C0-\u02FF\u0370-\u1FFF\u200C-\u200D\u2070-\uFFFD][A-Za-z0-9_.\-\u00B7\u00C0-\u02FF\u0300-\u036F\u203F-\u2040\u0370-\u1FFF\u200C-\u200D\u2070-\uFFFD]*$/;

function parseQName(s: string): QName | null {
  const i = s.indexOf(':');
  if (i < 0) return NCNAME.test(s) ? { prefix: null, local: s } : null;
  const p = s.slice(0, i);
  const l = s.slice(i + 1);
  return NCNAME.test(p) && NCNAME.test(l) ? { prefix: p, local: l } : null;
}

/** Splits at "/" outside quoted attribute values. */
function splitSteps(sel: string): string[] {
  const out: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < sel.length; i++) {
    const c = sel[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '/') {
      out.push(sel.slice(start, i));
      start = i + 1;
    }
  }
  out.push(sel.slice(start));
  return out;
}

const STEP = /^([^[\]]+)(?:\[([0-9]+)\])?(?:\[@([^=\]\s]+)=("[^"]*"|'[^']*')\])?$/;

function parseStep(text: string): Step {
  const m = STEP.exec(text);
  if (m === null) throw new NodeSelectorError(`unsupported step "${text}"`);
  const nameText = m[1]!;
  let name: NameTest;
  if (nameText === '*') name = { kind: 'any' };
  else {
    const q = parseQName(nameText);
    if (q === null) throw new NodeSelectorError(`unsupported step "${text}"`);
    name = { kind: 'name', ...q };
  }
  let position: number | null = null;
  if (m[2] !== undefined) {
    position = Number(m[2]);
    // RFC 4825 §6.3: positions count from 1; [0] can never select anything.
    if (!Number.isSafeInteger(position) || position < 1) throw new NodeSelectorError(`bad position in "${text}"`);
  }
  let attr: AttrTest | null = null;
  if (m[3] !== undefined) {
    const q = parseQName(m[3]);
    const raw = m[4]!;
    if (q === null || raw.slice(1, -1).includes('<')) throw new NodeSelectorError(`unsupported step "${text}"`);
    attr = { ...q, value: decodeText(raw.slice(1, -1)) };
  }
  return { name, position, attr, text };
}

export function parseNodeSelector(sel: string): NodeSelector {
  if (sel === '') throw new NodeSelectorError('empty node selector');
  const parts = splitSteps(sel);
  let terminal: Terminal | null = null;
  const last = parts[parts.length - 1]!;
  if (last === 'namespace::*') {
    terminal = { kind: 'namespace' };
    parts.pop();
  } else if (last.startsWith('@')) {
    const q = parseQName(last.slice(1));
    if (q === null) throw new NodeSelectorError(`unsupported attribute selector "${last}"`);
    terminal = { kind: 'attribute', ...q };
    parts.pop();
  }
  if (parts.length === 0) throw new NodeSelectorError('a node selector needs at least one element step');
  return { steps: parts.map(parseStep), terminal };
}

/** Every namespace prefix the selector uses, so unbound ones can be refused (RFC 4825 §8: 400). */
export function selectorPrefixes(sel: NodeSelector): Set<string> {
  const out = new Set<string>();
  for (const s of sel.steps) {
    if (s.name.kind === 'name' && s.name.prefix !== null) out.add(s.name.prefix);
    if (s.attr?.prefix) out.add(s.attr.prefix);
  }
  if (sel.terminal?.kind === 'attribute' && sel.terminal.prefix !== null) out.add(sel.terminal.prefix);
  return out;
}

/**
 * Percent-encodes a node selector for use in an HTTP URI (RFC 4825 §6.3:
 * the double quote and square brackets cannot appear directly; everything
 * outside pchar is encoded from its UTF-8 octets).
 */
export function encodeNodeSelector(sel: string): string {
  return sel
    .split('/')
    .map((seg) => encodeURIComponent(seg).replace(/%3A/gi, ':').replace(/%40/gi, '@').replace(/[!'()*]/g, (c) => (c === '*' ? '*' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`)))
    .join('/');
}
