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

/** Applies one step to the element children of `children` (already in document order). */
export function applyStep(children: readonly XmlElement[], step: Step, ctx: SelectContext): StepResult {
  let list = children.filter((c) => nameMatches(c, step.name, ctx));
  if (step.position !== null) {
    const e = list[step.position - 1];
    list = e === undefined ? [] : [e];
  }
  if (step.attr !== null) {
    const at = step.attr;
    list = list.filter((c) => findAttr(c, at, ctx)?.value === at.value);
  }
  if (list.length === 0) return { kind: 'none' };
  if (list.length > 1) return { kind: 'many' };
  return { kind: 'one', element: list[0]! };
}

function elementKids(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.kind === 'element') out.push(c);
  return out;
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
    const kids: XmlElement[] = context === null ? [doc.root] : elementKids(context);
    const r = applyStep(kids, steps[i]!, ctx);
    if (r.kind !== 'one') return { element: null, matched: i };
    context = r.element;
  }
  return { element: context, matched: steps.length };
}
