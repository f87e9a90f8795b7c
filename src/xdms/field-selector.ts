import type { XmlElement } from '../formats/xml-tree.js';
import { encodeNodeSelector } from './node-selector.js';

/**
 * A node selector naming `el` (and optionally one of its attributes),
 * relative to the document: "the relative URI is relative to the document
 * itself, and will therefore start with the root element" (RFC 4825 §11.1,
 * <exists field>). Steps use positions among same-named siblings; an element
 * outside the default namespace is named by `*[n]` so no xmlns() query is
 * needed. The result is percent-encoded, as the RFC requires.
 */
export function fieldSelector(el: XmlElement, defaultNs: string | null, attr?: string): string {
  const steps: string[] = [];
  for (let e: XmlElement | null = el; e !== null; e = e.parent) {
    const parent: XmlElement | null = e.parent;
    if (parent === null) {
      steps.push(e.ns === defaultNs ? e.local : '*');
      break;
    }
    const sameNs = e.ns === defaultNs;
    let pos = 0;
    for (const c of parent.children) {
      if (c.kind !== 'element') continue;
      const k: XmlElement = c;
      if (sameNs ? k.local === e.local && k.ns === e.ns : true) pos++;
      if (k === e) break;
    }
    steps.push(sameNs ? `${e.local}[${pos}]` : `*[${pos}]`);
  }
  steps.reverse();
  if (attr !== undefined) steps.push('@' + attr);
  return encodeNodeSelector(steps.join('/'));
}
