import { isToken } from './chars.js';
import { SipParseError } from './parse-error.js';
import { readQuoted, quote, splitTopLevel } from './scan.js';

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

export class Params {
  readonly list: Param[];

  constructor(list: Param[] = []) {
    this.list = list;
  }

  /** Parses ";a=b;c" text (leading ';' optional). `uriStyle` forbids quotes and LWS (URI parameters). */
  static parse(text: string, uriStyle = false): Params {
    const out: Param[] = [];
    const s = text.startsWith(';') ? text.slice(1) : text;
    if (s.length === 0) {
      if (text.length > 0) throw new SipParseError('empty parameter');
      return new Params(out);
    }
    for (const raw of uriStyle ? s.split(';') : splitTopLevel(s, ';')) {
      const eq = raw.indexOf('=');
      const name = (eq === -1 ? raw : raw.slice(0, eq)).trim();
      if (name.length === 0) throw new SipParseError('empty parameter');
      if (uriStyle) {
        if (!/^[-\w.!~*'()\[\]/:&+$%]+$/.test(name)) throw new SipParseError(`bad URI parameter name "${name}"`);
        const value = eq === -1 ? null : raw.slice(eq + 1);
        if (value !== null && !/^[-\w.!~*'()\[\]/:&+$%@]*$/.test(value))
          throw new SipParseError(`bad URI parameter value in "${raw}"`);
        out.push({ name, value, quoted: false });
        continue;
      }
      if (!isToken(name)) throw new SipParseError(`bad parameter name "${name}"`);
      if (eq === -1) {
        out.push({ name, value: null, quoted: false });
        continue;
      }
      const v = raw.slice(eq + 1).trim();
      if (v.startsWith('"')) {
        const [unq, end] = readQuoted(v, 0);
        if (end !== v.length) throw new SipParseError(`junk after quoted parameter "${name}"`);
        out.push({ name, value: unq, quoted: true });
      } else {
        // gen-value = token / host / quoted-string; host covers IPv6 references.
        if (v.length === 0 || !/^[-\w.!%*+`'~:\[\]]+$/.test(v)) throw new SipParseError(`bad value for parameter "${name}"`);
        out.push({ name, value: v, quoted: false });
      }
    }
    return new Params(out);
  }

  private index(name: string): number {
    const n = name.toLowerCase();
    for (let i = 0; i < this.list.length; i++) if (this.list[i]!.name.toLowerCase() === n) return i;
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
