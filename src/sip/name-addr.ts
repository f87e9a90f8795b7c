import { isTokenChar, isWhite, skipWhite, trimWhite } from './chars.js';
import { Params, parseParamList } from './params.js';
import { SipParseError } from './parse-error.js';
import { quote, readQuoted } from './scan.js';
import { formatUri, parseUri, type Uri } from './uri.js';

/**
 * The value of From, To, Contact, Route, Record-Route, P-Asserted-Identity,
 * Refer-To...: RFC 3261 §20.10 / §25.1
 *   ( name-addr / addr-spec ) *( SEMI param )
 * `displayName` is unquoted. Without <...> parameters belong to the header,
 * not the URI (RFC 4475 cparam01 vs cparam02).
 */
export interface NameAddr {
  readonly displayName: string | null;
  readonly uri: Uri;
  readonly params: Params;
}

export function parseNameAddr(value: string): NameAddr {
  const end = trimEnd(value);
  let i = skipWhite(value, 0, end);
  if (i === end) throw new SipParseError('empty name-addr');
  let displayName: string | null = null;
  let lt: number;
  if (value.charCodeAt(i) === 34) {
    // display-name = quoted-string, then LAQUOT = SWS "<"
    let dn: string;
    let after: number;
    try {
      [dn, after] = readQuoted(value, i);
    } catch (e) {
      if (e instanceof SipParseError) throw new SipParseError('unterminated quoted string in display name');
      throw e;
    }
    displayName = dn;
    lt = skipWhite(value, after, end);
    if (lt >= end || value.charCodeAt(lt) !== 60) throw new SipParseError('junk between display name and <');
  } else {
    // display-name = *(token LWS); "<" may follow a token directly (RFC 4475 lwsdisp).
    let j = i;
    for (; j < end; j++) {
      const c = value.charCodeAt(j);
      if (!isTokenChar(c) && !isWhite(c)) break;
    }
    if (j < end && value.charCodeAt(j) === 60) {
      lt = j;
      if (j > i) displayName = collapseWhite(value.slice(i, trimEndFrom(value, i, j)));
    } else {
      if (findLaquot(value, i) !== -1) {
        // RFC 4475 baddn: a comma (or other non-token character) needs quotes.
        throw new SipParseError(`bad character in display name "${value.slice(i, value.indexOf('<', i)).trim()}"`);
      }
      return parseAddrSpec(value, i, end);
    }
  }
  const gt = value.indexOf('>', lt + 1);
  if (gt === -1 || gt >= end) throw new SipParseError('missing > after URI');
  if (gt === lt + 1) throw new SipParseError('empty <addr-spec>');
  let uri: Uri;
  try {
    uri = parseUri(value.slice(lt + 1, gt));
  } catch (e) {
    // RFC 4475 badaspec: no LWS inside the angle brackets. No URI form
    // admits LWS, so look for it only to name the defect.
    const inner = value.slice(lt + 1, gt);
    if (e instanceof SipParseError && (inner.indexOf(' ') !== -1 || inner.indexOf('\t') !== -1)) {
      throw new SipParseError('white space inside <addr-spec>');
    }
    throw e;
  }
  const p = skipWhite(value, gt + 1, end);
  if (p < end && value.charCodeAt(p) !== 59) throw new SipParseError('junk after >');
  return { displayName, uri, params: new Params(parseParamList(value, p, end, false)) };
}

/**
 * addr-spec form: the URI ends at the first ";" and may carry no "?" or ","
 * (RFC 3261 §20: "If the URI contains a comma, question mark or semicolon,
 * the URI MUST be enclosed in angle brackets"; RFC 4475 regbadct).
 */
function parseAddrSpec(value: string, from: number, end: number): NameAddr {
  let semi = value.indexOf(';', from);
  if (semi === -1 || semi > end) semi = end;
  const uriEnd = trimEndFrom(value, from, semi);
  for (let k = from; k < uriEnd; k++) {
    const c = value.charCodeAt(k);
    if (c === 63 || c === 44 || c === 32 || c === 9) {
      throw new SipParseError(`addr-spec "${value.slice(from, uriEnd)}" needs <>`);
    }
  }
  const uri = parseUri(value.slice(from, uriEnd));
  return { displayName: null, uri, params: new Params(parseParamList(value, semi, end, false)) };
}

function trimEnd(s: string): number {
  return trimEndFrom(s, 0, s.length);
}

function trimEndFrom(s: string, from: number, to: number): number {
  while (to > from && isWhite(s.charCodeAt(to - 1))) to--;
  return to;
}

function collapseWhite(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 9 || (c === 32 && isWhite(s.charCodeAt(i + 1)))) return s.replace(/[ \t]+/g, ' ');
  }
  return s;
}

/** Index of the first "<" outside a quoted string, or -1. */
function findLaquot(s: string, from: number): number {
  let inQuote = false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
    } else if (c === 34) inQuote = true;
    else if (c === 60) return i;
  }
  return -1;
}

function isTokenWords(s: string): boolean {
  if (s.length === 0) return false;
  let prevSpace = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) {
      if (prevSpace) return false;
      prevSpace = true;
    } else if (isTokenChar(c)) prevSpace = false;
    else return false;
  }
  return !prevSpace;
}

/** Prints as name-addr (always with <>, which is never wrong). */
export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName === null ? '' : (isTokenWords(na.displayName) ? na.displayName : quote(na.displayName)) + ' ';
  return `${dn}<${formatUri(na.uri)}>${na.params.toString()}`;
}

/** A Contact value: a name-addr, or "*" in a REGISTER that removes all bindings (RFC 3261 §10.2.2). */
export type ContactValue = { readonly star: true } | (NameAddr & { readonly star?: false });

export function parseContact(value: string): ContactValue {
  if (trimWhite(value) === '*') return { star: true };
  return parseNameAddr(value);
}
