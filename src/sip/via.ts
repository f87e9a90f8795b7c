import { isDigits, isToken } from './chars.js';
import { Params } from './params.js';
import { SipParseError } from './parse-error.js';

/** RFC 3261 §17.2.3: branches that start with this cookie are RFC 3261 transaction ids. */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * One Via value, RFC 3261 §20.42, with the received/rport parameters of
 * RFC 3261 §18.2.1 and RFC 3581.
 */
export interface Via {
  readonly protocol: string; // "SIP/2.0"
  /** Transport token, upper-cased (UDP, TCP, TLS, SCTP, WS, WSS or an extension). */
  readonly transport: string;
  readonly host: string;
  readonly port: number | null;
  readonly params: Params;
}

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[-A-Za-z0-9.]*[A-Za-z0-9.])?)$/;

export function parseVia(value: string): Via {
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport (LWS allowed around '/')
  const m = /^([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*([^\s/]+)\s+(.*)$/s.exec(value.trim());
  if (!m) throw new SipParseError('bad Via sent-protocol');
  const [, name, version, transport, rest] = m as unknown as [string, string, string, string, string];
  if (!isToken(name) || !isToken(version) || !isToken(transport)) throw new SipParseError('bad Via sent-protocol');
  const semi = rest.indexOf(';');
  const sentBy = (semi === -1 ? rest : rest.slice(0, semi)).trim();
  let host: string;
  let port: number | null = null;
  const close = sentBy.lastIndexOf(']');
  const colon = sentBy.indexOf(':', close === -1 ? 0 : close);
  if (colon !== -1) {
    host = sentBy.slice(0, colon).trim();
    const p = sentBy.slice(colon + 1).trim();
    if (!isDigits(p) || p.length > 5 || Number(p) > 65535) throw new SipParseError('bad Via port');
    port = Number(p);
  } else host = sentBy;
  if (!HOST.test(host)) throw new SipParseError(`bad Via host "${host}"`);
  const params = semi === -1 ? new Params() : Params.parse(rest.slice(semi));
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !isDigits(ttl) || Number(ttl) > 255)) throw new SipParseError('bad Via ttl');
  return { protocol: `${name}/${version}`.toUpperCase(), transport: transport.toUpperCase(), host, port, params };
}

export function formatVia(v: Via): string {
  return `${v.protocol}/${v.transport} ${v.host}${v.port === null ? '' : ':' + v.port}${v.params.toString()}`;
}

export function viaBranch(v: Via): string | undefined {
  const b = v.params.get('branch');
  return b === null ? undefined : b;
}
