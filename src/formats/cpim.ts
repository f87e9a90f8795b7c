// message/cpim (RFC 3862): message headers, an empty line, the encapsulated
// MIME headers, an empty line, the content. Header lines keep their exact
// text after the colon so a message serializes back byte for byte.
import { concatBytes, latin1Decode, utf8Decode, utf8Encode } from './bytes.js';

export class CpimParseError extends Error {
  /** What a SIP or MSRP receiver answers for an unparseable CPIM body. */
  readonly status = 400;
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CpimParseError';
  }
}

export interface CpimHeader {
  /** As written, possibly prefixed by a namespace: "MyFeatures.VitalMessageOption". */
  readonly name: string;
  /** Everything after the colon, e.g. " Alice <sip:a@b>" or ";lang=fr beau temps". */
  readonly raw: string;
}

export interface CpimMessage {
  readonly headers: CpimHeader[];
  /** Encapsulated MIME headers (Content-Type, Content-ID...), continuation lines kept in `raw`. */
  readonly contentHeaders: CpimHeader[];
  readonly body: Uint8Array;
}

export interface CpimAddress {
  readonly displayName?: string;
  readonly uri: string;
}

function parseHeaderBlock(b: Uint8Array, from: number, allowFolding: boolean): { headers: CpimHeader[]; next: number } {
  const headers: CpimHeader[] = [];
  let i = from;
  for (;;) {
    const lf = b.indexOf(10, i);
    if (lf < 0) throw new CpimParseError('header block not ended by an empty line');
    if (lf === i || b[lf - 1] !== 13) throw new CpimParseError('header line not ended by CRLF');
    if (lf - 1 === i) return { headers, next: lf + 1 };
    if (b[i] === 32 || b[i] === 9) {
      // RFC 2045/5322 folding in the MIME part; RFC 3862 §3.1 headers never fold.
      const last = headers.pop();
      if (!allowFolding || !last) throw new CpimParseError('unexpected continuation line');
      headers.push({ name: last.name, raw: `${last.raw}\r\n${utf8Decode(b, i, lf - 1)}` });
      i = lf + 1;
      continue;
    }
    const colon = b.indexOf(58, i);
    if (colon < 0 || colon > lf) throw new CpimParseError('header line without ":"');
    const name = latin1Decode(b, i, colon);
    // RFC 3862 §3.1: Header-name = [ Name-prefix "." ] Name; Name is a token.
    if (!/^[!#$%&'*+^_`|~0-9A-Za-z-]+(\.[!#$%&'*+^_`|~0-9A-Za-z-]+)?$/.test(name)) {
      throw new CpimParseError(`bad header name: ${name}`);
    }
    headers.push({ name, raw: utf8Decode(b, colon + 1, lf - 1) });
    i = lf + 1;
  }
}

export function parseCpim(bytes: Uint8Array): CpimMessage {
  const m = parseHeaderBlock(bytes, 0, false);
  const c = parseHeaderBlock(bytes, m.next, true);
  return { headers: m.headers, contentHeaders: c.headers, body: bytes.subarray(c.next) };
}

export function serializeCpim(m: CpimMessage): Uint8Array {
  let head = '';
  for (const h of m.headers) head += `${h.name}:${h.raw}\r\n`;
  head += '\r\n';
  for (const h of m.contentHeaders) head += `${h.name}:${h.raw}\r\n`;
  head += '\r\n';
  return concatBytes([utf8Encode(head), m.body]);
}

export interface CpimValue {
  /** Parameters before the value, e.g. { lang: 'fr' } for "Subject:;lang=fr ...". */
  readonly params: Readonly<Record<string, string>>;
  readonly value: string;
}

/** Splits a raw header value into its ";param=value" list and the value (RFC 3862 §3.2). */
export function parseCpimValue(raw: string): CpimValue {
  const params: Record<string, string> = {};
  let s = raw;
  while (s.startsWith(';')) {
    const m = /^;([A-Za-z0-9-]+)(?:=("(?:[^"\\]|\\.)*"|[^ ;]*))?/.exec(s);
    if (!m) throw new CpimParseError(`bad header parameter in ${raw}`);
    params[m[1]!.toLowerCase()] = m[2] ?? '';
    s = s.slice(m[0].length);
  }
  return { params, value: s.replace(/^ /, '').replace(/\r\n[ \t]+/g, ' ') };
}

/** Values of every message header of that name, names compared case-sensitively as RFC 3862 §3.1 says. */
export function cpimHeaderValues(m: CpimMessage, name: string): CpimValue[] {
  return m.headers.filter((h) => h.name === name).map((h) => parseCpimValue(h.raw));
}

export function cpimContentType(m: CpimMessage): string | undefined {
  const h = m.contentHeaders.find((x) => x.name.toLowerCase() === 'content-type');
  return h ? parseCpimValue(h.raw).value.trim() : undefined;
}

/** From, To, cc: `[Formal-name] "<" URI ">"` (RFC 3862 §3.3.1). */
export function parseCpimAddress(value: string): CpimAddress {
  const m = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]+)>\s*$/.exec(value);
  if (!m) throw new CpimParseError(`bad CPIM address: ${value}`);
  const name = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
  return name ? { displayName: name, uri: m[3]! } : { uri: m[3]! };
}

export function formatCpimAddress(a: CpimAddress): string {
  if (!a.displayName) return `<${a.uri}>`;
  const plain = /^[A-Za-z0-9 !#$%&'*+\-./=?^_`{|}~]+$/.test(a.displayName);
  return `${plain ? a.displayName : `"${a.displayName.replace(/(["\\])/g, '\\$1')}"`} <${a.uri}>`;
}

export interface CpimBuildInput {
  from: CpimAddress;
  to: CpimAddress[];
  cc?: CpimAddress[];
  /** RFC 3862 §4.4: an RFC 3339 date-time; a Date is written in UTC. */
  dateTime?: Date | string;
  subject?: Array<{ text: string; lang?: string }>;
  /** Namespace declarations (RFC 3862 §3.4), written before the headers that use them. */
  ns?: Array<{ prefix: string; uri: string }>;
  require?: string[];
  extra?: Array<[name: string, value: string]>;
  contentType: string;
  contentHeaders?: Array<[name: string, value: string]>;
  body: Uint8Array | string;
}

export function buildCpim(input: CpimBuildInput): CpimMessage {
  const headers: CpimHeader[] = [];
  const add = (name: string, value: string) => headers.push({ name, raw: ` ${value}` });
  add('From', formatCpimAddress(input.from));
  for (const a of input.to) add('To', formatCpimAddress(a));
  for (const a of input.cc ?? []) add('cc', formatCpimAddress(a));
  if (input.dateTime !== undefined) add('DateTime', typeof input.dateTime === 'string' ? input.dateTime : input.dateTime.toISOString());
  for (const s of input.subject ?? []) headers.push({ name: 'Subject', raw: s.lang ? `;lang=${s.lang} ${s.text}` : ` ${s.text}` });
  for (const n of input.ns ?? []) add('NS', n.prefix ? `${n.prefix} <${n.uri}>` : `<${n.uri}>`);
  if (input.require?.length) add('Require', input.require.join(','));
  for (const [n, v] of input.extra ?? []) add(n, v);
  const contentHeaders: CpimHeader[] = [{ name: 'Content-Type', raw: ` ${input.contentType}` }];
  for (const [n, v] of input.contentHeaders ?? []) contentHeaders.push({ name: n, raw: ` ${v}` });
  const body = typeof input.body === 'string' ? utf8Encode(input.body) : input.body;
  return { headers, contentHeaders, body };
}
