import { SaxesParser } from 'saxes';

/** The first well-formedness error of a document or fragment, or null. */
export interface WellFormednessError {
  readonly reason: string;
}

export interface WellFormednessResult {
  readonly error: WellFormednessError | null;
  /** The encoding named by the XML declaration, if any. */
  readonly declaredEncoding: string | undefined;
}

/**
 * Checks XML 1.0 and Namespaces in XML well-formedness with saxes, which
 * reports the exact rule broken (our own tree builder trusts its input).
 * `fragment` accepts an XML fragment body (RFC 4825 §8.2.2) whose free
 * prefixes resolve through `namespaces`, the bindings in scope where it goes.
 */
export function checkWellFormed(
  text: string,
  opts: { fragment?: boolean; namespaces?: ReadonlyMap<string, string> } = {},
): WellFormednessResult {
  const additional: Record<string, string> = {};
  if (opts.namespaces) {
    for (const [p, u] of opts.namespaces) if (p !== 'xml' && p !== 'xmlns') additional[p] = u;
  }
  const parser = new SaxesParser({ xmlns: true, fragment: opts.fragment === true, additionalNamespaces: additional });
  let error: WellFormednessError | null = null;
  let declaredEncoding: string | undefined;
  parser.on('error', (e) => {
    error ??= { reason: e.message };
  });
  parser.on('xmldecl', (d) => {
    declaredEncoding = d.encoding;
  });
  if (!opts.fragment) {
    parser.on('doctype', () => {
      // A DTD could declare entities our tree builder does not expand; XCAP
      // documents have none, so one is refused rather than half-processed.
      error ??= { reason: 'document type declarations are not accepted' };
    });
  }
  try {
    parser.write(text).close();
  } catch (e) {
    error ??= { reason: e instanceof Error ? e.message : String(e) };
  }
  return { error, declaredEncoding };
}
