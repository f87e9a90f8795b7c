// Encoding a frame's text and body into one byte array. Thousands of
// frames a second are written, so one allocation per frame (from Node's
// Buffer pool where there is one) beats a Uint8Array per part; elsewhere
// TextEncoder does the same job.
import { utf8Encode } from '../formats/bytes.js';

interface NodeBufferLike {
  allocUnsafe(n: number): Uint8Array & { utf8Write(s: string, at: number, len: number): number; latin1Write(s: string, at: number, len: number): number };
  byteLength(s: string, enc: 'utf8'): number;
}
const NodeBuffer: NodeBufferLike | undefined = (globalThis as unknown as { Buffer?: NodeBufferLike }).Buffer;

/** `head`, then `body`, then `tail` (ASCII only) in one array. */
export function encodeFrame(head: string, body: Uint8Array | undefined, tail: string): Uint8Array {
  const bodyLen = body === undefined ? 0 : body.length;
  if (NodeBuffer) {
    const headLen = NodeBuffer.byteLength(head, 'utf8');
    const out = NodeBuffer.allocUnsafe(headLen + bodyLen + tail.length);
    out.utf8Write(head, 0, headLen);
    if (body !== undefined) out.set(body, headLen);
    out.latin1Write(tail, headLen + bodyLen, tail.length);
    return out;
  }
  const h = utf8Encode(head);
  const out = new Uint8Array(h.length + bodyLen + tail.length);
  out.set(h, 0);
  if (body !== undefined) out.set(body, h.length);
  for (let i = 0, at = h.length + bodyLen; i < tail.length; i++) out[at + i] = tail.charCodeAt(i);
  return out;
}
