import { trimWhite } from './chars.js';
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
 * a syntax error: RFC 4475 §3.1.2.1 (badinv01) must be refused. An empty
 * value is an empty list: `Supported:`, `Accept:` and `Allow:` may be empty
 * (RFC 3261 §20.37 `Supported = ... HCOLON [option-tag *(COMMA option-tag)]`).
 */
export function splitList(value: string): string[] {
  // Most list lines carry one value: no comma, nothing to split.
  if (value.indexOf(',') === -1) {
    const t = trimWhite(value);
    return t.length === 0 ? [] : [t];
  }
  const parts = splitTopLevel(value, ',');
  for (let i = 0; i < parts.length; i++) {
    const t = trimWhite(parts[i]!);
    if (t.length === 0) throw new SipParseError('empty element in header list');
    parts[i] = t;
  }
  return parts;
}

/**
 * Parses `"..."` starting at s[i] (which must be DQUOTE); returns
 * [unescaped, indexAfter]. RFC 3261 §25.1: quoted-pair = "\" (%x00-09 /
 * %x0B-0C / %x0E-7F), so CR and LF cannot be escaped and never occur inside.
 */
export function readQuoted(s: string, i: number): [string, number] {
  const n = s.length;
  let from = i + 1;
  let out = '';
  for (let j = from; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === 34) return [out.length === 0 ? s.slice(from, j) : out + s.slice(from, j), j + 1];
    if (c === 92) {
      if (j + 1 >= n) break;
      const e = s.charCodeAt(j + 1);
      if (e === 13 || e === 10) throw new SipParseError('CR or LF escaped in quoted string');
      out += s.slice(from, j) + s[j + 1];
      j++;
      from = j + 1;
    } else if (c === 13 || c === 10) throw new SipParseError('CR or LF in quoted string');
  }
  throw new SipParseError('unterminated quoted string');
}

/**
 * Quotes a string for a quoted-string (RFC 3261 §25.1): " and \ and the
 * control characters qdtext does not allow become quoted-pairs. CR and LF
 * cannot be carried at all (quoted-pair excludes them); they become SP so a
 * display name taken from user input can never break the header line.
 */
export function quote(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92 || c < 32 || c === 127) {
      plain = false;
      break;
    }
  }
  if (plain) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13 || c === 10) out += ' ';
    else if (c === 34 || c === 92 || (c < 32 && c !== 9) || c === 127) out += '\\' + s[i];
    else out += s[i];
  }
  return out + '"';
}
