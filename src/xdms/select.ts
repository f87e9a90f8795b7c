import type { XmlAttr, XmlDocumentTree, XmlElement } from '../formats/xml-tree.js';
import type { NameTest, QName, Step } from './node-selector.js';

/**
 * Evaluation of node selector steps (RFC 4825 §6.3). Names are compared
 * expanded: a prefix maps through the request's xmlns() bindings; an
 * unprefixed element name means the application usage's default document
 * namespace, an unprefixed attribute name means no namespace.
 */
export interface SelectContext {
  readonly bindings: ReadonlyMap<string, string>;
  readonly defaultNamespace: string | null;
}

export type StepResult =
  | { readonly kind: 'one'; readonly element: XmlElement }
  | { readonly kind: 'none' }
  | { readonly kind: 'many' };

export function expandElementName(q: QName, ctx: SelectContext): string | null {
  if (q.prefix === null) return ctx.defaultNamespace;
  const u = ctx.bindings.get(q.prefix);
  if (u === undefined) throw new Error(`unbound prefix ${q.prefix}`); // checked before evaluation
  return u;
}

export function nameMatches(el: XmlElement, name: NameTest, ctx: SelectContext): boolean {
  if (name.kind === 'any') return true;
  return el.local === name.local && el.ns === expandElementName(name, ctx);
}

export function findAttr(el: XmlElement, q: QName, ctx: SelectContext): XmlAttr | undefined {
  const ns = q.prefix === null ? null : (ctx.bindings.get(q.prefix) ?? null);
  for (const a of el.attrs) {
    // RFC 4825 §6.3: "a namespace node is NOT an attribute."
    if (!a.isNsDecl && a.local === q.local && a.ns === ns) return a;
  }
  return undefined;
}

/**
 * Applies one step to `children` (element nodes, or any nodes of which the
 * non-elements are skipped), in document order. One pass, no intermediate
 * arrays: a 1,000-entry list is scanned per GET.
 */
export function applyStep(children: readonly (XmlElement | { readonly kind: string })[], step: Step, ctx: SelectContext): StepResult {
  const name = step.name;
  const ns = name.kind === 'any' ? null : expandElementName(name, ctx);
  const at = step.attr;
  const atNs = at === null || at.prefix === null ? null : (ctx.bindings.get(at.prefix) ?? null);
  let seen = 0;
  let found: XmlElement | null = null;
  for (const node of children) {
    if (node.kind !== 'element') continue;
    const c = node as XmlElement;
    if (name.kind !== 'any' && (c.local !== name.local || c.ns !== ns)) continue;
    if (step.position !== null) {
      // The position counts name matches; the attribute test applies to the one element it picks.
      if (++seen !== step.position) continue;
      if (at !== null && !hasAttrValue(c, at.local, atNs, at.value)) return { kind: 'none' };
      return { kind: 'one', element: c };
    }
    if (at !== null && !hasAttrValue(c, at.local, atNs, at.value)) continue;
    if (found !== null) return { kind: 'many' };
    found = c;
  }
  return found === null ? { kind: 'none' } : { kind: 'one', element: found };
}

function hasAttrValue(el: XmlElement, local: string, ns: string | null, value: string): boolean {
  for (const a of el.attrs) {
    // RFC 4825 §6.3: "a namespace node is NOT an attribute."
    if (!a.isNsDecl && a.local === local && a.ns === ns) return a.value === value;
  }
  return false;
}

export interface PathResult {
  /** The element selected by every step, or null. */
  readonly element: XmlElement | null;
  /** How many leading steps selected a single element (for <no-parent><ancestor>). */
  readonly matched: number;
}

/** Evaluates `steps` from the document root: the root node's only child is the root element. */
export function selectPath(doc: XmlDocumentTree, steps: readonly Step[], ctx: SelectContext): PathResult {
  let context: XmlElement | null = null;
  for (let i = 0; i < steps.length; i++) {
    const r = applyStep(context === null ? [doc.root] : context.children, steps[i]!, ctx);
    if (r.kind !== 'one') return { element: null, matched: i };
    context = r.element;
  }
  return { element: context, matched: steps.length };
}
