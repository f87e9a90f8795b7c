import { isTokenChar } from './chars.js';
import { Params } from './params.js';
import { SipParseError } from './parse-error.js';
import { quote, readQuoted } from './scan.js';
import { formatUri, parseUri, type Uri } from './uri.js';

/**
 * The value of From, To, Contact, Route, Record-Route, P-Asserted-Identity,
 * Refer-To...: RFC 3261 §20.10 / §25.1
 *   ( name-addr / addr-spec ) *( SEMI param )
 * `displayName` is unquoted; `bracketed` remembers whether the URI was in
 * <...>, because without them parameters belong to the header, not the URI.
 */
export interface NameAddr {
  readonly displayName: string | null;
  readonly uri: Uri;
  readonly params: Params;
}

export function parseNameAddr(value: string): NameAddr {
  const s = value.trim();
  let i = 0;
  let displayName: string | null = null;
  const lt = findLaquot(s);
  if (lt !== -1) {
    if (s.charCodeAt(0) === 34) {
      const [dn, end] = readQuoted(s, 0);
      displayName = dn;
      i = end;
      while (i < lt && (s[i] === ' ' || s[i] === '\t')) i++;
      if (i !== lt) throw new SipParseError('junk between display name and <');
    } else {
      const dn = s.slice(0, lt).trim();
      // display-name = *(token LWS): refuse non-token characters (RFC 4475 baddn).
      for (let k = 0; k < dn.length; k++) {
        const c = dn.charCodeAt(k);
        if (c !== 32 && c !== 9 && !isTokenChar(c)) throw new SipParseError(`bad character in display name "${dn}"`);
      }
      displayName = dn.length > 0 ? dn.replace(/[ \t]+/g, ' ') : null;
    }
    const gt = s.indexOf('>', lt);
    if (gt === -1) throw new SipParseError('missing > after URI');
    const inner = s.slice(lt + 1, gt);
    // RFC 4475 badaspec: no LWS inside the angle brackets.
    if (inner.length === 0 || /[ \t]/.test(inner)) throw new SipParseError('white space inside <addr-spec>');
    const uri = parseUri(inner);
    const rest = s.slice(gt + 1).trim();
    if (rest.length > 0 && rest[0] !== ';') throw new SipParseError('junk after >');
    return { displayName, uri, params: Params.parse(rest) };
  }
  // addr-spec form: the URI ends at the first ';' and may carry no '?' or ','
  // (RFC 3261 §20: "...the URI MUST be enclosed in angle brackets").
  const semi = s.indexOf(';');
  const uriText = (semi === -1 ? s : s.slice(0, semi)).trim();
  if (/[?,\s]/.test(uriText)) throw new SipParseError(`addr-spec "${uriText}" needs <>`);
  const uri = parseUri(uriText);
  return { displayName: null, uri, params: semi === -1 ? new Params() : Params.parse(s.slice(semi)) };
}

function findLaquot(s: string): number {
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
    } else if (c === 34) inQuote = true;
    else if (c === 60) return i;
  }
  if (inQuote) throw new SipParseError('unterminated quoted string in display name');
  return -1;
}

/** Prints as name-addr (always with <>, which is never wrong). */
export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName === null ? '' : (/^[\w.!%*+`'~-]+(?: [\w.!%*+`'~-]+)*$/.test(na.displayName) ? na.displayName : quote(na.displayName)) + ' ';
  return `${dn}<${formatUri(na.uri)}>${na.params.toString()}`;
}

/** A Contact value: a name-addr, or "*" in a REGISTER that removes all bindings (RFC 3261 §10.2.2). */
export type ContactValue = { readonly star: true } | (NameAddr & { readonly star?: false });

export function parseContact(value: string): ContactValue {
  if (value.trim() === '*') return { star: true };
  return parseNameAddr(value);
}
