import { attrValue, type XmlAttr, type XmlDocumentTree, type XmlElement } from '../formats/xml-tree.js';
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
  // RFC 4825 §6.3: "a namespace node is NOT an attribute" (attrValue skips them).
  return attrValue(el, local, ns) === value;
}

export interface PathResult {
  /** The element selected by every step, or null. */
  readonly element: XmlElement | null;
  /** How many leading steps selected a single element (for <no-parent><ancestor>). */
  readonly matched: number;
}


/**
 * The child of `parent` named {ns}local whose attribute {atNs}atLocal is
 * `value`, from the parent's memoised map (built on first use), so picking
 * one entry of a large list does not scan it on every request.
 */
export function lookupChild(parent: XmlElement, ns: string | null, local: string, atNs: string | null, atLocal: string, value: string): StepResult {
  const key = `${ns ?? ''}\u0000${local}\u0000${atNs ?? ''}\u0000${atLocal}`;
  parent.index ??= new Map();
  let lookup = parent.index.get(key);
  if (lookup === undefined) {
    const byValue = new Map<string, XmlElement | null>();
    for (const node of parent.children) {
      if (node.kind !== 'element' || node.local !== local || node.ns !== ns) continue;
      const v = attrValue(node, atLocal, atNs);
      if (v !== undefined) byValue.set(v, byValue.has(v) ? null : node);
    }
    lookup = { ns, local, atNs, atLocal, byValue };
    parent.index.set(key, lookup);
  }
  const hit = lookup.byValue.get(value);
  if (hit === undefined) return { kind: 'none' };
  return hit === null ? { kind: 'many' } : { kind: 'one', element: hit };
}

/**
 * Keeps `parent`'s lookups right after `removed` left its children and/or
 * `added` joined them (call with invalidateText, not invalidate). A lookup
 * that cannot be adjusted exactly is dropped and rebuilt when next used.
 */
export function updateChildLookups(parent: XmlElement, removed: XmlElement | null, added: XmlElement | null): void {
  if (parent.index === null) return;
  for (const [key, l] of parent.index) {
    if (removed !== null && removed.local === l.local && removed.ns === l.ns) {
      const v = attrValue(removed, l.atLocal, l.atNs);
      if (v !== undefined) {
        if (l.byValue.get(v) !== removed) {
          parent.index.delete(key);
          continue;
        }
        l.byValue.delete(v);
      }
    }
    if (added !== null && added.local === l.local && added.ns === l.ns) {
      const v = attrValue(added, l.atLocal, l.atNs);
      if (v !== undefined) l.byValue.set(v, l.byValue.has(v) ? null : added);
    }
  }
}

/** One step applied to the element children of `parent`; the same result as applyStep. */
export function selectChild(parent: XmlElement, step: Step, ctx: SelectContext): StepResult {
  const at = step.attr;
  if (at === null || step.position !== null || step.name.kind === 'any') return applyStep(parent.children, step, ctx);
  const atNs = at.prefix === null ? null : (ctx.bindings.get(at.prefix) ?? null);
  return lookupChild(parent, expandElementName(step.name, ctx), step.name.local, atNs, at.local, at.value);
}

/** Evaluates `steps` from the document root: the root node's only child is the root element. */
export function selectPath(doc: XmlDocumentTree, steps: readonly Step[], ctx: SelectContext): PathResult {
  let context: XmlElement | null = null;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const r: StepResult = context === null ? applyStep([doc.root], step, ctx) : selectChild(context, step, ctx);
    if (r.kind !== 'one') return { element: null, matched: i };
    context = r.element;
  }
  return { element: context, matched: steps.length };
}
