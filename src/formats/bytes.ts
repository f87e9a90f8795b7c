// Byte helpers shared by the pure codecs (SIP, MSRP, CPIM...). They take and
// return Uint8Array so the same code runs in the browser; on Node they use
// Buffer's native routines, which are several times faster than
// TextDecoder for the short header strings the parsers decode.

type NodeBufferCtor = {
  from(a: ArrayBufferLike, off?: number, len?: number): Uint8Array & {
    utf8Slice?(start: number, end: number): string;
    latin1Slice?(start: number, end: number): string;
    toString(enc: string, start?: number, end?: number): string;
  };
  from(s: string, enc: string): Uint8Array;
  byteLength(s: string, enc: string): number;
  concat(list: readonly Uint8Array[], total?: number): Uint8Array;
};

const NodeBuffer: NodeBufferCtor | undefined = (globalThis as { Buffer?: NodeBufferCtor }).Buffer;
const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

function asNodeBuffer(b: Uint8Array) {
  return NodeBuffer!.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes bytes [start, end) as UTF-8 (invalid sequences become U+FFFD). */
export function utf8Decode(b: Uint8Array, start = 0, end = b.length): string {
  if (NodeBuffer) {
    const nb = 'utf8Slice' in b ? (b as ReturnType<typeof asNodeBuffer>) : asNodeBuffer(b);
    return nb.toString('utf8', start, end);
  }
  return decoder.decode(b.subarray(start, end));
}

/** Decodes bytes [start, end) one byte per UTF-16 unit (used for ASCII-only grammar). */
export function latin1Decode(b: Uint8Array, start = 0, end = b.length): string {
  if (NodeBuffer) {
    const nb = 'latin1Slice' in b ? (b as ReturnType<typeof asNodeBuffer>) : asNodeBuffer(b);
    return nb.toString('latin1', start, end);
  }
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** The inverse of latin1Decode: one byte per UTF-16 unit (each below 256). */
export function latin1Encode(s: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(s, 'latin1');
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function utf8Encode(s: string): Uint8Array {
  return NodeBuffer ? NodeBuffer.from(s, 'utf8') : encoder.encode(s);
}

export function utf8Length(s: string): number {
  if (NodeBuffer) return NodeBuffer.byteLength(s, 'utf8');
  return encoder.encode(s).length;
}

export function concatBytes(list: readonly Uint8Array[]): Uint8Array {
  if (NodeBuffer) return NodeBuffer.concat(list);
  let n = 0;
  for (const p of list) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of list) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Index of the byte sequence `needle` in `hay` at or after `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const n = needle.length;
  if (n === 0) return from;
  const first = needle[0]!;
  const last = hay.length - n;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < n && hay[i + j] === needle[j]) j++;
    if (j === n) return i;
  }
  return -1;
}

/** Position of the first CRLFCRLF at or after `from`, or -1. */
export function indexOfDoubleCrlf(b: Uint8Array, from = 0): number {
  for (let i = b.indexOf(13, from); i !== -1 && i + 3 < b.length; i = b.indexOf(13, i + 1)) {
    if (b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}
