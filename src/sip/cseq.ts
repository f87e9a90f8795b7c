import { isDigits, isToken } from './chars.js';
import { SipParseError } from './parse-error.js';

/** CSeq, RFC 3261 §20.16: a 32-bit sequence number and the method. */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

export function parseCSeq(value: string): CSeq {
  const m = /^(\d+)\s+(\S+)$/.exec(value.trim());
  if (!m) throw new SipParseError('bad CSeq');
  const seq = Number(m[1]);
  // RFC 3261 §8.1.1.5: "The sequence number value MUST be expressible as a 32-bit unsigned integer".
  if (!Number.isSafeInteger(seq) || seq > 0xffffffff) throw new SipParseError('CSeq number too large');
  if (!isToken(m[2]!)) throw new SipParseError('bad CSeq method');
  return { seq, method: m[2]! };
}

/** Parses a 32-bit unsigned decimal field (Expires, Content-Length...); undefined if invalid. */
export function parseUint32(value: string): number | undefined {
  const t = value.trim();
  if (!isDigits(t) || t.length > 12) return undefined;
  const n = Number(t);
  return n <= 0xffffffff ? n : undefined;
}
