// Byte-Range (RFC 4975 §7.1.1, §9): positions start at 1; range-end and
// total may be "*" (unknown or interruptible).
import { MsrpParseError } from './msrp-parse-error.js';

export interface ByteRange {
  readonly start: number;
  readonly end: number | '*';
  readonly total: number | '*';
}

const BYTE_RANGE = /^([0-9]{1,15})-([0-9]{1,15}|\*)\/([0-9]{1,15}|\*)$/;

export function parseByteRange(value: string): ByteRange {
  const fast = parseSimpleByteRange(value);
  if (fast) return fast;
  const m = BYTE_RANGE.exec(value.trim());
  if (!m) throw new MsrpParseError(`bad Byte-Range: ${value}`);
  const start = Number(m[1]);
  // RFC 4975 §7.1.1: "The first octet in the message has a position of one".
  if (start < 1) throw new MsrpParseError(`Byte-Range start must be at least 1: ${value}`);
  const end = m[2] === '*' ? '*' : Number(m[2]);
  const total = m[3] === '*' ? '*' : Number(m[3]);
  // "1-0/0" is the legal empty range; otherwise an end before the start is nonsense.
  if (end !== '*' && end < start - 1) throw new MsrpParseError(`Byte-Range end before start: ${value}`);
  if (total !== '*' && end !== '*' && end > total) throw new MsrpParseError(`Byte-Range end beyond total: ${value}`);
  return { start, end, total };
}

/** Digits of value[from, to) as a number, or -1 unless 1 to 15 ASCII digits. */
function digits(value: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * "start-end/total" with numbers only, as every chunk of a known-size
 * message carries, without the regular expression; anything else
 * (whitespace, "*", errors) returns undefined and takes the full path.
 */
function parseSimpleByteRange(value: string): ByteRange | undefined {
  const dash = value.indexOf('-');
  const slash = value.indexOf('/', dash + 1);
  if (dash < 0 || slash < 0) return undefined;
  const start = digits(value, 0, dash);
  const end = digits(value, dash + 1, slash);
  const total = digits(value, slash + 1, value.length);
  if (start < 1 || end < start - 1 || total < end) return undefined;
  return { start, end, total };
}

export function formatByteRange(r: ByteRange): string {
  return `${r.start}-${r.end}/${r.total}`;
}
