// Sending side of chunking (RFC 4975 §5.1, §7.1.1).
import type { ByteRange } from './byte-range.js';
import { MSRP_MAX_UNINTERRUPTIBLE_CHUNK } from './status-codes.js';

export interface ChunkPlan {
  /** 0-based offset into the message. */
  readonly offset: number;
  readonly length: number;
  readonly last: boolean;
}

/** Default chunk size: the largest that need not be interruptible. */
export const DEFAULT_CHUNK_SIZE = MSRP_MAX_UNINTERRUPTIBLE_CHUNK;

/** Cuts [offset, total) into the next chunk of at most `chunkSize` octets. */
export function nextChunk(offset: number, total: number, chunkSize: number): ChunkPlan {
  const length = Math.min(chunkSize, total - offset);
  return { offset, length, last: offset + length >= total };
}

/**
 * The Byte-Range of a chunk. RFC 4975 §7.1.1: "any chunk with a body of
 * greater than 2048 octets will have a "*" character in the range-end field".
 */
export function chunkByteRange(offset: number, length: number, total: number | '*'): ByteRange {
  const end = length > MSRP_MAX_UNINTERRUPTIBLE_CHUNK ? '*' : offset + length;
  return { start: offset + 1, end, total };
}

/** Splits one received chunk into chunks of at most `maxSize` (a relay re-chunking, RFC 4976 §7.3). */
export function splitChunk(offset: number, data: Uint8Array, maxSize: number): Array<{ offset: number; data: Uint8Array }> {
  if (data.length <= maxSize) return [{ offset, data }];
  const out: Array<{ offset: number; data: Uint8Array }> = [];
  for (let i = 0; i < data.length; i += maxSize) out.push({ offset: offset + i, data: data.subarray(i, i + maxSize) });
  return out;
}
