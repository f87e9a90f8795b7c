/**
 * FNV-1a over a string's UTF-16 code units, 32 bits: a fast, well-spread,
 * non-cryptographic hash for ids and change detection (not for anything an
 * attacker must not be able to collide).
 */
export function fnv1a32(s: string, basis = 0x811c9dc5): number {
  let h = basis;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** 64 bits as 16 hex digits: two FNV-1a lanes with different offset bases. */
export function fnv1a64Hex(s: string): string {
  return fnv1a32(s).toString(16).padStart(8, '0') + fnv1a32(s, 0x050c5d1f).toString(16).padStart(8, '0');
}
