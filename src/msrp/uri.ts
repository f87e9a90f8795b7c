// MSRP URIs (RFC 4975 §6, §9; RFC 7977 §5.2.1 adds the "ws" transport).
import { MsrpParseError } from './msrp-parse-error.js';

export type MsrpScheme = 'msrp' | 'msrps';

export interface MsrpUri {
  readonly scheme: MsrpScheme;
  /** RFC 4975 §6: userinfo names an account, never a password; ignored when comparing. */
  readonly user?: string;
  /** Host as written; IPv6 literals keep their brackets. */
  readonly host: string;
  readonly port?: number;
  readonly sessionId?: string;
  /** Lower-cased transport parameter: "tcp", "ws", or an extension token. */
  readonly transport: string;
  /** Further `;name[=value]` parameters, as written. */
  readonly params: readonly string[];
}

// RFC 4975 §9: session-id = 1*( unreserved / "+" / "=" / "/" ); unreserved per RFC 3986
// (percent-encoded octets are tolerated since senders do produce them).
const SESSION_ID = /^[A-Za-z0-9\-._~+=/%]+$/;
const TRANSPORT = /^[A-Za-z0-9]+$/;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,=]+)$/;
const PARAM = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(=[!#$%&'*+.^_`|~0-9A-Za-z-]+)?$/;

export function parseMsrpUri(text: string): MsrpUri {
  const m = /^(msrps?):\/\/([^/;]*)(?:\/([^;]*))?;(.*)$/i.exec(text);
  if (!m) throw new MsrpParseError(`not an MSRP URI: ${text}`);
  const scheme = m[1]!.toLowerCase() as MsrpScheme;
  let authority = m[2]!;
  let user: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    user = authority.slice(0, at);
    authority = authority.slice(at + 1);
    // RFC 4975 §6: "A userinfo part MUST NOT contain password information."
    if (user.includes(':')) throw new MsrpParseError('MSRP URI userinfo carries a password');
  }
  let host = authority;
  let port: number | undefined;
  const close = authority.lastIndexOf(']');
  const colon = authority.lastIndexOf(':');
  if (colon > close) {
    host = authority.slice(0, colon);
    const p = authority.slice(colon + 1);
    if (!/^[0-9]{1,5}$/.test(p) || Number(p) > 65535) throw new MsrpParseError(`bad port in MSRP URI: ${text}`);
    port = Number(p);
  }
  if (!HOST.test(host)) throw new MsrpParseError(`bad host in MSRP URI: ${text}`);
  const sessionId = m[3];
  if (sessionId !== undefined && !SESSION_ID.test(sessionId)) throw new MsrpParseError(`bad session-id in MSRP URI: ${text}`);
  const [transport, ...params] = m[4]!.split(';');
  if (!transport || !TRANSPORT.test(transport)) throw new MsrpParseError(`bad transport in MSRP URI: ${text}`);
  for (const p of params) if (!PARAM.test(p)) throw new MsrpParseError(`bad URI parameter in MSRP URI: ${text}`);
  const uri: { -readonly [K in keyof MsrpUri]: MsrpUri[K] } = { scheme, host, transport: transport.toLowerCase(), params };
  if (user !== undefined) uri.user = user;
  if (port !== undefined) uri.port = port;
  if (sessionId !== undefined) uri.sessionId = sessionId;
  return uri;
}

export function formatMsrpUri(u: MsrpUri): string {
  let s = `${u.scheme}://`;
  if (u.user !== undefined) s += `${u.user}@`;
  s += u.host;
  if (u.port !== undefined) s += `:${u.port}`;
  if (u.sessionId !== undefined) s += `/${u.sessionId}`;
  s += `;${u.transport}`;
  for (const p of u.params) s += `;${p}`;
  return s;
}

function decodeUnreserved(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (all, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : all.toUpperCase();
  });
}

/** RFC 4975 §6.1 URI comparison. */
export function msrpUriEquals(a: MsrpUri, b: MsrpUri): boolean {
  // 1. The scheme MUST match (case-insensitively; parse lower-cases it).
  if (a.scheme !== b.scheme) return false;
  // 2. Authority compared case-insensitively after percent-decoding unreserved; userinfo ignored.
  if (decodeUnreserved(a.host).toLowerCase() !== decodeUnreserved(b.host).toLowerCase()) return false;
  // 3. "A URI with an explicit port is never equivalent to another with no port specified."
  if (a.port !== b.port) return false;
  // 4. The session-id part is compared as case sensitive.
  if (a.sessionId !== b.sessionId) return false;
  // 5. Different transports never match; transport is case-insensitive (parse lower-cases it).
  return a.transport === b.transport;
}

/** Parses a To-Path / From-Path / Use-Path / a=path value: URIs separated by spaces. */
export function parseMsrpPath(value: string): MsrpUri[] {
  const parts = value.split(/[ \t]+/).filter((s) => s !== '');
  if (parts.length === 0) throw new MsrpParseError('empty MSRP path');
  return parts.map(parseMsrpUri);
}

export function formatMsrpPath(path: readonly MsrpUri[]): string {
  return path.map(formatMsrpUri).join(' ');
}
