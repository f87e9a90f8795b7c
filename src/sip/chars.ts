// Character classes of RFC 3261 §25.1, as lookup tables (sofia-sip style):
// the parsers test one table entry per character instead of running regular
// expressions in the hot path.

const ALNUM = (() => {
  let s = '';
  for (let c = 48; c <= 57; c++) s += String.fromCharCode(c);
  for (let c = 65; c <= 90; c++) s += String.fromCharCode(c);
  for (let c = 97; c <= 122; c++) s += String.fromCharCode(c);
  return s;
})();

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const ch of chars) t[ch.charCodeAt(0)] = 1;
  return t;
}

/** mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"; unreserved = alphanum / mark */
const UNRESERVED = ALNUM + "-_.!~*'()";

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN = table(ALNUM + "-.!%*_+`'~");
/** word adds ( ) < > : \ DQUOTE / [ ] ? { } to token (used by Call-ID). */
const WORD = table(ALNUM + "-.!%*_+`'~()<>:\\\"/[]?{}");
/** user = 1*( unreserved / escaped / user-unreserved ); user-unreserved = & = + $ , ; ? / */
export const USER_CHARS = table(UNRESERVED + '&=+$,;?/');
/** password = *( unreserved / escaped / & = + $ , ) */
export const PASSWORD_CHARS = table(UNRESERVED + '&=+$,');
/**
 * paramchar = param-unreserved / unreserved / escaped, param-unreserved =
 * [ ] / : & + $. Values also take "@": seen in the wild and harmless here
 * because the URI's host is already found when parameters are read.
 */
export const URI_PARAM_NAME_CHARS = table(UNRESERVED + '[]/:&+$');
export const URI_PARAM_VALUE_CHARS = table(UNRESERVED + '[]/:&+$@');
/** hname / hvalue = 1*( hnv-unreserved / unreserved / escaped ), hnv-unreserved = [ ] / ? : + $ */
export const URI_HEADER_CHARS = table(UNRESERVED + '[]/?:+$');
/** gen-value = token / host / quoted-string: token characters plus ":[]" of IPv6 references. */
export const GEN_VALUE_CHARS = table(ALNUM + "-.!%*_+`'~:[]");
/** hostname characters (RFC 3261 §25.1 hostname/IPv4address). */
export const HOST_CHARS = table(ALNUM + '-.');
/** Characters that may appear inside an IPv6 reference "[...]". */
export const IPV6_CHARS = table('0123456789abcdefABCDEF:.');

export function inTable(t: Uint8Array, c: number): boolean {
  return c < 128 && t[c] === 1;
}

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** True when s[from, to) is one token. */
export function isTokenRange(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

function isWordRange(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || WORD[c] !== 1) return false;
  }
  return true;
}

export function isWord(s: string): boolean {
  return isWordRange(s, 0, s.length);
}

/** Call-ID = word [ "@" word ] */
export function isCallId(s: string): boolean {
  const at = s.indexOf('@');
  if (at === -1) return isWordRange(s, 0, s.length);
  return isWordRange(s, 0, at) && isWordRange(s, at + 1, s.length);
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

export function isWhite(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * True when s[from, to) is non-empty (unless `allowEmpty`) and every
 * character is in `t` or part of an `escaped` triplet "%" HEXDIG HEXDIG.
 */
export function isEscapedRun(s: string, from: number, to: number, t: Uint8Array, allowEmpty = false): boolean {
  if (to <= from) return allowEmpty && to === from;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= to || !isHexDigit(s.charCodeAt(i + 1)) || !isHexDigit(s.charCodeAt(i + 2))) return false;
      i += 2;
    } else if (c >= 128 || t[c] !== 1) return false;
  }
  return true;
}

/** Skips SP and HTAB from `i`; returns the first other index (or `end`). */
export function skipWhite(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** Trims SP and HTAB only (String#trim also strips Unicode spaces a header may legitimately end with). */
export function trimWhite(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWhite(s.charCodeAt(a))) a++;
  while (b > a && isWhite(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
