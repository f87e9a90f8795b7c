import { isDigits, isTokenChar, isWhite } from './chars.js';
import { SipParseError } from './parse-error.js';

/** CSeq, RFC 3261 §20.16: a 32-bit sequence number and the method. */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** CSeq = "CSeq" HCOLON 1*DIGIT LWS Method */
export function parseCSeq(value: string): CSeq {
  let end = value.length;
  while (end > 0 && isWhite(value.charCodeAt(end - 1))) end--;
  let i = 0;
  while (i < end && isWhite(value.charCodeAt(i))) i++;
  const d0 = i;
  while (i < end && value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57) i++;
  const d1 = i;
  while (i < end && isWhite(value.charCodeAt(i))) i++;
  if (d1 === d0 || i === d1 || i === end) throw new SipParseError('bad CSeq');
  const m0 = i;
  while (i < end && isTokenChar(value.charCodeAt(i))) i++;
  if (i !== end) throw new SipParseError('bad CSeq method');
  // RFC 3261 §8.1.1.5: "The sequence number value MUST be expressible as a 32-bit unsigned integer".
  let z = d0;
  while (z < d1 - 1 && value.charCodeAt(z) === 48) z++;
  const seq = d1 - z > 10 ? Infinity : Number(value.slice(z, d1));
  if (seq > 0xffffffff) throw new SipParseError('CSeq number too large');
  return { seq, method: value.slice(m0, end) };
}

/** Parses a 32-bit unsigned decimal field (Expires, Max-Forwards...); undefined if invalid. */
export function parseUint32(value: string): number | undefined {
  let t = value;
  if (t.length > 0 && (isWhite(t.charCodeAt(0)) || isWhite(t.charCodeAt(t.length - 1)))) t = t.trim();
  if (!isDigits(t)) return undefined;
  let z = 0;
  while (z < t.length - 1 && t.charCodeAt(z) === 48) z++;
  if (t.length - z > 10) return undefined;
  const n = Number(z === 0 ? t : t.slice(z));
  return n <= 0xffffffff ? n : undefined;
}
