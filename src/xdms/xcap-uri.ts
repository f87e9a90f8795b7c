/**
 * XCAP URI = XCAP root + document selector ["/~~/" node selector] ["?" xmlns() bindings]
 * (RFC 4825 §6). The request target is split at the first node selector
 * separator; the document selector's segments and the node selector are
 * percent-decoded separately, so a "/" encoded inside an XUI or an
 * attribute value stays data.
 */
export interface XcapUri {
  readonly auid: string;
  readonly tree: 'users' | 'global';
  /** The XCAP User Identifier (percent-decoded), null in the global tree. */
  readonly xui: string | null;
  /** Path below the XUI (or below "global"): the filename, possibly with subdirectories. */
  readonly docPath: string;
  /** Percent-decoded node selector, null for a document URI. */
  readonly nodeSelector: string | null;
  /** Prefix -> namespace URI from the query's xmlns() expressions (RFC 4825 §6.4). */
  readonly namespaces: ReadonlyMap<string, string>;
  /** The document selector as it appeared (still percent-encoded), without the root. */
  readonly documentSelector: string;
}

export class XcapUriError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'XcapUriError';
  }
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new XcapUriError(400, 'bad percent-encoding');
  }
}

const SEPARATOR = /\/(?:~~|%7e%7e)(?:\/|$)/i;

/** Parses the query component's xmlns() expressions; other XPointer schemes are ignored (RFC 4825 §6.4). */
export function parseXmlnsQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  const q = decode(query.replace(/\+/g, '%20'));
  const re = /xmlns\(\s*([^=\s()]+)\s*=\s*((?:\^.|[^)^])*)\)/g;
  for (let m = re.exec(q); m !== null; m = re.exec(q)) {
    // XPointer framework §3.1: "^" escapes a parenthesis or circumflex inside scheme data.
    out.set(m[1]!, m[2]!.trim().replace(/\^(.)/g, '$1'));
  }
  return out;
}

/**
 * `target` is the request target as received (path and query, still
 * encoded); `root` is the path of the XCAP root, e.g. "/xcap".
 */
export function parseXcapUri(target: string, root: string): XcapUri {
  const qi = target.indexOf('?');
  const path = qi < 0 ? target : target.slice(0, qi);
  const query = qi < 0 ? '' : target.slice(qi + 1);
  const rootPath = root.endsWith('/') ? root.slice(0, -1) : root;
  if (!path.startsWith(rootPath + '/')) throw new XcapUriError(404, 'not under the XCAP root');
  const rest = path.slice(rootPath.length + 1);
  const sep = SEPARATOR.exec('/' + rest);
  let docPart: string;
  let nodeSelector: string | null = null;
  if (sep === null) docPart = rest;
  else {
    docPart = rest.slice(0, Math.max(0, sep.index - 1));
    nodeSelector = decode(rest.slice(sep.index - 1 + sep[0].length));
  }
  const segs = docPart.split('/');
  const auid = decode(segs[0] ?? '');
  const treeName = segs[1];
  if (auid === '' || (treeName !== 'users' && treeName !== 'global')) {
    // RFC 4825 §6.2: "The path segment after the AUID MUST either be "global" or "users"."
    throw new XcapUriError(404, 'the path after the AUID must be "users" or "global"');
  }
  let xui: string | null = null;
  let docSegs: string[];
  if (treeName === 'users') {
    if (segs.length < 3 || segs[2] === '') throw new XcapUriError(404, 'no XUI');
    xui = decode(segs[2]!);
    docSegs = segs.slice(3);
  } else docSegs = segs.slice(2);
  const docPath = docSegs.map(decode).join('/');
  return {
    auid,
    tree: treeName,
    xui,
    docPath,
    nodeSelector,
    namespaces: parseXmlnsQuery(query),
    documentSelector: docPart,
  };
}
