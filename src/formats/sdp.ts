// A general SDP (RFC 4566) parser and serializer. Lines are kept in order
// and as written, so a description serializes back unchanged; media
// sections are split out with their m-line fields parsed.
import { utf8Decode } from './bytes.js';

export class SdpParseError extends Error {
  /** What a SIP UA answers to an offer it cannot parse. */
  readonly status = 400;
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SdpParseError';
  }
}

export interface SdpLine {
  /** One letter: v o s c t m a b ... */
  readonly type: string;
  readonly value: string;
}

export interface MediaDescription {
  media: string;
  port: number;
  /** "<port>/<number of ports>" (RFC 4566 §5.14). */
  portCount?: number;
  proto: string;
  formats: string[];
  /** Lines after the m-line up to the next m-line (i, c, b, k, a). */
  lines: SdpLine[];
}

export interface SessionDescription {
  /** Session-level lines before the first m-line. */
  session: SdpLine[];
  media: MediaDescription[];
}

export function parseSdp(input: string | Uint8Array): SessionDescription {
  const text = typeof input === 'string' ? input : utf8Decode(input);
  // RFC 4566 §5: lines end in CRLF, but parsers "SHOULD be tolerant and also accept" LF alone.
  const rawLines = text.split(/\r?\n/);
  if (rawLines[rawLines.length - 1] === '') rawLines.pop();
  const sd: SessionDescription = { session: [], media: [] };
  let current: MediaDescription | undefined;
  for (const raw of rawLines) {
    const m = /^([a-z])=(.*)$/.exec(raw);
    if (!m) throw new SdpParseError(`bad SDP line: ${JSON.stringify(raw)}`);
    const type = m[1]!;
    const value = m[2]!;
    if (type === 'm') {
      const f = /^(\S+) ([0-9]+)(?:\/([0-9]+))? (\S+)(?: (.*))?$/.exec(value);
      if (!f) throw new SdpParseError(`bad m-line: ${value}`);
      current = { media: f[1]!, port: Number(f[2]), proto: f[4]!, formats: f[5] ? f[5].split(' ').filter((s) => s !== '') : [], lines: [] };
      if (f[3] !== undefined) current.portCount = Number(f[3]);
      sd.media.push(current);
    } else if (current) {
      current.lines.push({ type, value });
    } else {
      sd.session.push({ type, value });
    }
  }
  return sd;
}

export function serializeSdp(sd: SessionDescription): string {
  let s = '';
  for (const l of sd.session) s += `${l.type}=${l.value}\r\n`;
  for (const m of sd.media) {
    s += `m=${m.media} ${m.port}${m.portCount !== undefined ? '/' + m.portCount : ''} ${m.proto}${m.formats.length ? ' ' + m.formats.join(' ') : ''}\r\n`;
    for (const l of m.lines) s += `${l.type}=${l.value}\r\n`;
  }
  return s;
}

/** Values of `a=<name>:<value>` (or "" for a property attribute `a=<name>`). */
export function getAttributes(lines: readonly SdpLine[], name: string): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.type !== 'a') continue;
    const colon = l.value.indexOf(':');
    const n = colon < 0 ? l.value : l.value.slice(0, colon);
    if (n === name) out.push(colon < 0 ? '' : l.value.slice(colon + 1));
  }
  return out;
}

export function getAttribute(lines: readonly SdpLine[], name: string): string | undefined {
  return getAttributes(lines, name)[0];
}

/** The c= line that applies to a media section: its own, else the session's. */
export function connectionAddress(sd: SessionDescription, m: MediaDescription): string | undefined {
  const c = m.lines.find((l) => l.type === 'c') ?? sd.session.find((l) => l.type === 'c');
  return c?.value.split(' ')[2];
}
