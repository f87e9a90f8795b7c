// Finding the end-line in a body is the hot loop of MSRP framing (RFC 4975
// §7.3.1 designs the seven dashes for exactly this scan). On Node a Buffer
// view gives native memmem-like search; elsewhere a first-byte skip loop.
import { indexOfBytes } from '../formats/bytes.js';

type NodeBufferLike = {
  from(a: ArrayBufferLike, off?: number, len?: number): { indexOf(n: Uint8Array, from: number): number };
};
const NodeBuffer: NodeBufferLike | undefined = (globalThis as { Buffer?: NodeBufferLike }).Buffer;

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
