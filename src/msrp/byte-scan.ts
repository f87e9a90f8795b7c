// Finding the end-line in a body is the hot loop of MSRP framing (RFC 4975
// §7.3.1 designs the seven dashes for exactly this scan). On Node a Buffer
// view gives native memmem-like search and string decoding; elsewhere a
// first-byte skip loop and TextDecoder (through formats/bytes.ts).
import { indexOfBytes, latin1Decode, utf8Decode } from '../formats/bytes.js';

interface NodeBufferView extends Uint8Array {
  indexOf(n: Uint8Array | number, from?: number): number;
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
type NodeBufferLike = {
  from(a: ArrayBufferLike, off?: number, len?: number): NodeBufferView;
  isBuffer(x: unknown): x is NodeBufferView;
};
const NodeBuffer: NodeBufferLike | undefined = (globalThis as unknown as { Buffer?: NodeBufferLike }).Buffer;

/** Index of `needle` in hay[from, to), or -1. */
export function findBytes(hay: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  if (to - from < needle.length) return -1;
  if (NodeBuffer) {
    const view = NodeBuffer.from(hay.buffer, hay.byteOffset + from, to - from);
    const i = view.indexOf(needle, 0);
    return i < 0 ? -1 : i + from;
  }
  const i = indexOfBytes(hay.subarray(0, to), needle, from);
  return i;
}

const DASHES = new Uint8Array(7).fill(45);

/**
 * True when `body` holds seven dashes in a row, the start of every end-line
 * (RFC 4975 §7.1). Without them no transaction id can clash with the body,
 * so the sender need not check each id it picks against it.
 */
export function hasDashRun(body: Uint8Array): boolean {
  if (body.length > 256) return findBytes(body, DASHES, 0, body.length) >= 0;
  // Short bodies (most text messages): a plain loop beats making a view to search.
  let run = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== 45) run = 0;
    else if (++run === 7) return true;
  }
  return false;
}

/**
 * Decoding and searching over one byte array, through a Node Buffer view
 * made once per array instead of once per call.
 */
export class ByteText {
  readonly bytes: Uint8Array;
  readonly #nb: NodeBufferView | undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.#nb = NodeBuffer ? (NodeBuffer.isBuffer(bytes) ? bytes : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) : undefined;
  }

  latin1(start: number, end: number): string {
    return this.#nb ? this.#nb.latin1Slice(start, end) : latin1Decode(this.bytes, start, end);
  }

  utf8(start: number, end: number): string {
    return this.#nb ? this.#nb.utf8Slice(start, end) : utf8Decode(this.bytes, start, end);
  }

  /** Index of `needle` in bytes[from, to), or -1. */
  find(needle: Uint8Array, from: number, to: number): number {
    if (to - from < needle.length) return -1;
    if (this.#nb) {
      // Bytes past `to` may be unused buffer space: a long scan gets a view
      // that ends at `to`; a short one searches in place (no view to make).
      if (to - from > 4096 || to < this.bytes.length - 4096) return findBytes(this.bytes, needle, from, to);
      const i = this.#nb.indexOf(needle, from);
      return i < 0 || i + needle.length > to ? -1 : i;
    }
    return indexOfBytes(this.bytes.subarray(0, to), needle, from);
  }
}
