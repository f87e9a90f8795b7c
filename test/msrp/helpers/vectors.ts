import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

export interface VectorRow {
  file: string;
  [column: string]: string;
}

/** Reads an index.tsv of test/fixtures/<rfc>/ as rows keyed by the header row. */
export function readIndex(rfc: string): VectorRow[] {
  const text = readFileSync(join(FIXTURES, rfc, 'index.tsv'), 'utf8');
  const [head, ...lines] = text.split('\n').filter((l) => l !== '');
  const cols = head!.split('\t');
  return lines.map((l) => {
    const cells = l.split('\t');
    const row: Record<string, string> = {};
    cols.forEach((c, i) => (row[c] = cells[i] ?? ''));
    return row as VectorRow;
  });
}

export function readVector(rfc: string, file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, rfc, file)));
}

/** Byte equality with a readable diff (Buffer and Uint8Array compare alike). */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).toString('latin1');
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength).toString('latin1');
  if (a !== e) throw new Error(`${message ?? 'bytes differ'}\nactual:   ${JSON.stringify(a)}\nexpected: ${JSON.stringify(e)}`);
}
