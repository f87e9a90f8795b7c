/**
 * A MIME media type with parameters (RFC 2045 §5.1, RFC 3261 §20.15):
 * type and subtype lower-cased, parameter names lower-cased, values unquoted.
 */
export interface MediaType {
  readonly type: string;
  readonly subtype: string;
  readonly params: ReadonlyMap<string, string>;
}

export class MediaTypeError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MediaTypeError';
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function parseMediaType(text: string): MediaType {
  const semi = indexOfUnquoted(text, ';', 0);
  const main = (semi === -1 ? text : text.slice(0, semi)).trim();
  const slash = main.indexOf('/');
  if (slash === -1) throw new MediaTypeError(`bad media type "${main}"`);
  const type = main.slice(0, slash).trim().toLowerCase();
  const subtype = main.slice(slash + 1).trim().toLowerCase();
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) throw new MediaTypeError(`bad media type "${main}"`);
  const params = new Map<string, string>();
  let i = semi;
  while (i !== -1) {
    const next = indexOfUnquoted(text, ';', i + 1);
    const part = text.slice(i + 1, next === -1 ? undefined : next).trim();
    i = next;
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new MediaTypeError(`bad media type parameter "${part}"`);
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"')) {
      if (value.length < 2 || !value.endsWith('"')) throw new MediaTypeError(`unterminated quoted value in "${part}"`);
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    } else if (!TOKEN.test(value)) throw new MediaTypeError(`bad media type parameter "${part}"`);
    params.set(name, value);
  }
  return { type, subtype, params };
}

export function formatMediaType(m: MediaType): string {
  let s = `${m.type}/${m.subtype}`;
  for (const [k, v] of m.params) s += `;${k}=${TOKEN.test(v) ? v : '"' + v.replace(/(["\\])/g, '\\$1') + '"'}`;
  return s;
}

/** "type/subtype" without parameters, lower-cased. */
export function essence(m: MediaType): string {
  return `${m.type}/${m.subtype}`;
}

function indexOfUnquoted(s: string, ch: string, from: number): number {
  let q = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === '\\') i++;
      else if (c === '"') q = false;
    } else if (c === '"') q = true;
    else if (c === ch) return i;
  }
  return -1;
}
