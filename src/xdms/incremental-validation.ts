import { serializeElement, type XmlElement } from '../formats/xml-tree.js';

/**
 * Validating a change without re-validating the whole document.
 *
 * RFC 4825 §8.2.5 requires the document that results from a PUT or DELETE
 * to be schema-valid. When the document was valid before, XML Schema 1.0
 * validity is local: an element is valid when its own attributes and
 * content are valid against the declaration of the particle it matches in
 * its parent's content model, and that particle is found from the names of
 * its preceding siblings. So a change below parent P can only affect
 * (a) P's content model (the sequence of its children's names),
 * (b) the changed element's own subtree, and (c) identity constraints
 * (xs:unique, xs:key, xs:ID) of the ancestors. A usage declares, for the
 * parents where it holds, the shape that settles (a):
 *
 *   every child of `parent` named in `children` matches an element particle
 *   of one model group with minOccurs="0" maxOccurs="unbounded" whose one
 *   iteration is exactly one such element (RFC 4826's listType:
 *   `<xs:sequence minOccurs="0" maxOccurs="unbounded"><xs:choice>list,
 *   external, entry, entry-ref</xs:choice></xs:sequence>`).
 *
 * It declares this only when its schema has no identity constraints, which
 * settles (c). Then adding one such child next to another such child,
 * replacing one by another, or removing one, leaves P's name sequence in
 * the content model's language (one iteration more, the same, or one
 * fewer), and (b) is decided by validating a skeleton: the ancestors' start
 * tags (with their namespace declarations and attributes) around the
 * changed element alone. Each ancestor in the skeleton must itself be a
 * declared child of its parent, so that every element of the skeleton is
 * validated against the same declaration as in the document. Any change
 * outside these rules is validated on the whole document.
 */
export interface ExpandedName {
  readonly ns: string;
  readonly local: string;
}

export interface RepeatableChildren {
  readonly parent: ExpandedName;
  readonly children: readonly ExpandedName[];
}

/** What a write changed in a tree that was valid before it. */
export type TreeChange =
  /** `element` was inserted under `parent`, or replaced `replaced` there. */
  | { readonly kind: 'element'; readonly parent: XmlElement; readonly element: XmlElement; readonly replaced: XmlElement | null }
  /** `removed` was taken out of `parent`. */
  | { readonly kind: 'removed'; readonly parent: XmlElement; readonly removed: XmlElement }
  /** An attribute of `element` was set or removed. */
  | { readonly kind: 'attribute'; readonly element: XmlElement };

function isDeclared(rules: readonly RepeatableChildren[], parent: XmlElement, child: XmlElement): boolean {
  for (const r of rules) {
    if (r.parent.local !== parent.local || r.parent.ns !== parent.ns) continue;
    for (const c of r.children) if (c.local === child.local && c.ns === child.ns) return true;
  }
  return false;
}

/** Every step from the root down to `el` is a declared (parent, child) pair. */
function chainDeclared(rules: readonly RepeatableChildren[], el: XmlElement): boolean {
  for (let e = el; e.parent !== null; e = e.parent) if (!isDeclared(rules, e.parent, e)) return false;
  return true;
}

/** The element siblings just before and after `el` under its parent. */
function neighbours(el: XmlElement): [XmlElement | null, XmlElement | null] {
  const kids = el.parent!.children;
  const i = kids.indexOf(el);
  let before: XmlElement | null = null;
  let after: XmlElement | null = null;
  for (let j = i - 1; j >= 0; j--) {
    const k = kids[j]!;
    if (k.kind === 'element') {
      before = k;
      break;
    }
  }
  for (let j = i + 1; j < kids.length; j++) {
    const k = kids[j]!;
    if (k.kind === 'element') {
      after = k;
      break;
    }
  }
  return [before, after];
}

/** `el` wrapped in its ancestors' start and end tags, without their other content. */
export function skeleton(el: XmlElement): string {
  let text = serializeElement(el);
  for (let a = el.parent; a !== null; a = a.parent) text = `${a.openRaw}>${text}</${a.qname}>`;
  return text;
}

/**
 * What to validate after `change`: a skeleton document (string), nothing
 * (''), or null when only the whole document will do.
 */
export function incrementalValidationTarget(rules: readonly RepeatableChildren[] | undefined, change: TreeChange): string | null {
  if (rules === undefined || rules.length === 0) return null;
  switch (change.kind) {
    case 'attribute':
      // The names of all elements are unchanged; only the element's own declaration decides.
      return chainDeclared(rules, change.element) ? skeleton(change.element) : null;
    case 'removed':
      // One iteration fewer of a group with minOccurs="0"; nothing else changed.
      return chainDeclared(rules, change.parent) && isDeclared(rules, change.parent, change.removed) ? '' : null;
    case 'element': {
      const { parent, element, replaced } = change;
      if (element.parent !== parent || !chainDeclared(rules, element)) return null;
      if (replaced !== null) return isDeclared(rules, parent, replaced) ? skeleton(element) : null;
      // An insertion: one more iteration only when it lands next to another iteration of the group.
      const [before, after] = neighbours(element);
      const nextToOne = (before !== null && isDeclared(rules, parent, before)) || (after !== null && isDeclared(rules, parent, after));
      return nextToOne ? skeleton(element) : null;
    }
  }
}
