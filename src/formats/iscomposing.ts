import { parseXmlDocument } from './xml-parse.js';
import { escapeText, firstChild, textContent } from './xml-tree.js';

/** application/im-iscomposing+xml (RFC 3994). */
export const ISCOMPOSING_TYPE = 'application/im-iscomposing+xml';
export const ISCOMPOSING_NS = 'urn:ietf:params:xml:ns:im-iscomposing';

export interface IsComposing {
  /** RFC 3994 §3.4: "unknown states ... are treated as idle", so only these two exist once read. */
  readonly state: 'active' | 'idle';
  readonly lastActive?: string;
  readonly contentType?: string;
  /** Seconds; RFC 3994 §3.2: a refresh SHOULD be at least 60 s. */
  readonly refresh?: number;
}

export class IsComposingError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'IsComposingError';
  }
}

/** Reads an isComposing document; `<state>` is mandatory (RFC 3994 §3.4). */
export function parseIsComposing(xml: string): IsComposing {
  let root;
  try {
    root = parseXmlDocument(xml).root;
  } catch (e) {
    throw new IsComposingError(`not well-formed: ${(e as Error).message}`);
  }
  if (root.local !== 'isComposing' || root.ns !== ISCOMPOSING_NS) throw new IsComposingError('root is not isComposing');
  const state = firstChild(root, 'state', ISCOMPOSING_NS);
  if (!state) throw new IsComposingError('no <state>');
  const text = (name: string) => {
    const el = firstChild(root, name, ISCOMPOSING_NS);
    return el === undefined ? undefined : textContent(el).trim();
  };
  const refresh = text('refresh');
  const lastActive = text('lastactive');
  const contentType = text('contenttype');
  const r = refresh === undefined ? NaN : Number(refresh);
  return {
    state: textContent(state).trim() === 'active' ? 'active' : 'idle',
    ...(lastActive === undefined ? {} : { lastActive }),
    ...(contentType === undefined ? {} : { contentType }),
    ...(Number.isInteger(r) && r > 0 ? { refresh: r } : {}),
  };
}

export function buildIsComposing(s: IsComposing): string {
  let x = `<?xml version="1.0" encoding="UTF-8"?>\n<isComposing xmlns="${ISCOMPOSING_NS}">\n  <state>${s.state}</state>\n`;
  if (s.lastActive !== undefined) x += `  <lastactive>${escapeText(s.lastActive)}</lastactive>\n`;
  if (s.contentType !== undefined) x += `  <contenttype>${escapeText(s.contentType)}</contenttype>\n`;
  if (s.refresh !== undefined) x += `  <refresh>${s.refresh}</refresh>\n`;
  return x + '</isComposing>\n';
}
