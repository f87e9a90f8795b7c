import { SipParseError } from './parse-error.js';

// Splitting of header values on delimiters that are not inside a quoted
// string or <...> (RFC 3261 §7.3.1: commas inside quotes or angle brackets do
// not separate values).

/** Splits `s` on top-level `sep`, honouring "quoted \" strings" and <uri>. */
export function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  const code = sep.charCodeAt(0);
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++; // quoted-pair
      else if (c === 34) inQuote = false;
    } else if (c === 34) inQuote = true;
    else if (c === 60) inAngle = true;
    else if (c === 62) inAngle = false;
    else if (c === code && !inAngle) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (inQuote) throw new SipParseError('unterminated quoted string');
  out.push(s.slice(start));
  return out;
}

/**
 * Splits a list header's value into its elements. Empty elements (",,") are
 * a syntax error: RFC 4475 §3.1.2.1 (badinv01) must be refused.
 */
export function splitList(value: string): string[] {
  const parts = splitTopLevel(value, ',');
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i]!.trim();
    if (t.length === 0) throw new SipParseError('empty element in header list');
    parts[i] = t;
  }
  return parts;
}

/** Parses `"..."` starting at s[i] (which must be DQUOTE); returns [unescaped, indexAfter]. */
export function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  let j = i + 1;
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) {
      if (j + 1 >= s.length) break;
      out += s[j + 1];
      j++;
    } else if (c === 34) return [out, j + 1];
    else out += s[j];
  }
  throw new SipParseError('unterminated quoted string');
}

/** Quotes a string for a quoted-string, escaping " and \ (RFC 3261 §25.1 quoted-pair). */
export function quote(s: string): string {
  return '"' + s.replace(/["\\]/g, (m) => '\\' + m) + '"';
}
