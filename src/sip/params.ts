import {
  GEN_VALUE_CHARS,
  inTable,
  isEscapedRun,
  isTokenChar,
  skipWhite,
  URI_PARAM_NAME_CHARS,
  URI_PARAM_VALUE_CHARS,
} from './chars.js';
import { SipParseError } from './parse-error.js';
import { quote, readQuoted } from './scan.js';

/**
 * Ordered generic parameters (";name=value" or ";name"). Names compare
 * case-insensitively (RFC 3261 §7.3.1); spelling and order are kept so a
 * value prints back as it came. Quoted values are kept unquoted in `value`
 * with `quoted` recording how to print them.
 */
export interface Param {
  readonly name: string;
  readonly value: string | null;
  readonly quoted: boolean;
}

/** ASCII case-insensitive equality (parameter and header names are ASCII tokens). */
export function equalsIgnoreCase(a: string, b: string): boolean {
  if (a === b) return true;
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}

export class Params {
  readonly list: Param[];

  constructor(list: Param[] = []) {
    this.list = list;
  }

  /** Parses ";a=b;c" text (leading ';' optional). `uriStyle` forbids quotes and LWS (URI parameters). */
  static parse(text: string, uriStyle = false): Params {
    return new Params(parseParamList(text, 0, text.length, uriStyle));
  }

  private index(name: string): number {
    const l = this.list;
    for (let i = 0; i < l.length; i++) if (equalsIgnoreCase(l[i]!.name, name)) return i;
    return -1;
  }

  has(name: string): boolean {
    return this.index(name) !== -1;
  }

  /** The value; null for a parameter without value; undefined when absent. */
  get(name: string): string | null | undefined {
    const i = this.index(name);
    return i === -1 ? undefined : this.list[i]!.value;
  }

  set(name: string, value: string | null, quoted = false): Params {
    const p: Param = { name, value, quoted };
    const i = this.index(name);
    if (i === -1) this.list.push(p);
    else this.list[i] = p;
    return this;
  }

  delete(name: string): Params {
    const i = this.index(name);
    if (i !== -1) this.list.splice(i, 1);
    return this;
  }

  clone(): Params {
    return new Params(this.list.slice());
  }

  get size(): number {
    return this.list.length;
  }

  /** Prints as ";a=b;c" (empty string when there are none). */
  toString(): string {
    let s = '';
    for (const p of this.list) {
      s += ';' + p.name;
      if (p.value !== null) s += '=' + (p.quoted ? quote(p.value) : p.value);
    }
    return s;
  }
}

/**
 * Parses the parameters in s[from, end) (one leading ';' optional).
 * Header parameters (RFC 3261 §25.1 generic-param) allow LWS around ";" and
 * "=" (SEMI and EQUAL are SWS-delimited) and quoted values; URI parameters
 * (uri-parameter) are paramchar runs with %HH escapes only.
 */
export function parseParamList(s: string, from: number, end: number, uriStyle: boolean): Param[] {
  const out: Param[] = [];
  let i = from;
  if (uriStyle) {
    if (i < end && s.charCodeAt(i) === 59) i++;
    else if (i === end) return out;
    for (;;) {
      let semi = s.indexOf(';', i);
      if (semi === -1 || semi > end) semi = end;
      let eq = s.indexOf('=', i);
      if (eq === -1 || eq > semi) eq = semi;
      if (eq === i) throw new SipParseError('empty parameter');
      if (!isEscapedRun(s, i, eq, URI_PARAM_NAME_CHARS)) {
        throw new SipParseError(`bad URI parameter name "${s.slice(i, eq)}"`);
      }
      const name = s.slice(i, eq);
      let value: string | null = null;
      if (eq < semi) {
        if (!isEscapedRun(s, eq + 1, semi, URI_PARAM_VALUE_CHARS, true)) {
          throw new SipParseError(`bad URI parameter value in "${s.slice(i, semi)}"`);
        }
        value = s.slice(eq + 1, semi);
      }
      out.push({ name, value, quoted: false });
      if (semi === end) return out;
      i = semi + 1;
    }
  }
  i = skipWhite(s, i, end);
  if (i === end) return out;
  if (s.charCodeAt(i) === 59) i++;
  for (;;) {
    i = skipWhite(s, i, end);
    const ns = i;
    while (i < end && isTokenChar(s.charCodeAt(i))) i++;
    if (i === ns) {
      if (i === end || s.charCodeAt(i) === 59) throw new SipParseError('empty parameter');
      throw new SipParseError(`bad parameter name "${s.slice(ns, Math.min(end, ns + 40))}"`);
    }
    const name = s.slice(ns, i);
    i = skipWhite(s, i, end);
    let value: string | null = null;
    let quoted = false;
    if (i < end && s.charCodeAt(i) === 61) {
      i = skipWhite(s, i + 1, end);
      if (i < end && s.charCodeAt(i) === 34) {
        const [unq, after] = readQuoted(s, i);
        if (after > end) throw new SipParseError(`unterminated quoted value of parameter "${name}"`);
        value = unq;
        quoted = true;
        i = after;
      } else {
        const vs = i;
        while (i < end && inTable(GEN_VALUE_CHARS, s.charCodeAt(i))) i++;
        if (i === vs) throw new SipParseError(`bad value for parameter "${name}"`);
        value = s.slice(vs, i);
      }
      i = skipWhite(s, i, end);
    }
    out.push({ name, value, quoted });
    if (i === end) return out;
    if (s.charCodeAt(i) !== 59) {
      throw new SipParseError(quoted ? `junk after quoted parameter "${name}"` : `bad value for parameter "${name}"`);
    }
    i++;
  }
}
