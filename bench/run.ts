// `npm run bench [-- FILTER...]`: runs every benchmark in turn, each under
// its own header; one failing does not stop the others. Filters pick benches
// by name (e.g. `npm run bench -- sip-core msrp`). Exits 0 only when every
// bench that ran succeeded. Benches print figures; none asserts a threshold.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Bench {
  readonly name: string;
  /** Module under bench/ and the async function it exports. */
  readonly file: string;
  readonly fn: string;
}

const BENCHES: readonly Bench[] = [
  { name: 'sip-codec', file: 'sip-codec.ts', fn: 'benchSipCodec' },
  { name: 'sip-core', file: 'sip-core.ts', fn: 'benchSipCore' },
  { name: 'msrp', file: 'msrp.ts', fn: 'benchMsrp' },
  { name: 'xcap', file: 'xcap.ts', fn: 'benchXcap' },
  { name: 'im', file: 'im.ts', fn: 'benchIm' },
];

async function main(filters: readonly string[]): Promise<number> {
  // A filter picks the bench of that name, else every bench whose name contains it ("sip" → sip-codec, sip-core).
  const picks = (f: string, b: Bench) => (BENCHES.some((x) => x.name === f) ? b.name === f : b.name.includes(f));
  const unknown = filters.filter((f) => !BENCHES.some((b) => picks(f, b)));
  if (unknown.length > 0) {
    console.error(`unknown bench filter: ${unknown.join(', ')} (benches: ${BENCHES.map((b) => b.name).join(', ')})`);
    return 2;
  }
  const chosen = filters.length === 0 ? BENCHES : BENCHES.filter((b) => filters.some((f) => picks(f, b)));
  const outcome: string[] = [];
  let failed = 0;
  for (const b of chosen) {
    console.log(`\n==== ${b.name} ${'='.repeat(Math.max(0, 60 - b.name.length))}`);
    console.log(`(load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on this machine before the run)`);
    const path = fileURLToPath(new URL(`./${b.file}`, import.meta.url));
    if (!existsSync(path)) {
      console.log(`skipped: bench/${b.file} does not exist yet`);
      outcome.push(`${b.name}: skipped (no bench/${b.file})`);
      continue;
    }
    const t = performance.now();
    try {
      const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      const fn = mod[b.fn];
      if (typeof fn !== 'function') throw new Error(`bench/${b.file} does not export ${b.fn}()`);
      await (fn as () => Promise<void>)();
      outcome.push(`${b.name}: ok (${((performance.now() - t) / 1000).toFixed(0)} s)`);
    } catch (e) {
      failed++;
      console.error(`${b.name} failed:`, e);
      outcome.push(`${b.name}: FAILED (${(e as Error).message?.split('\n')[0] ?? e})`);
    }
  }
  console.log(`\n==== summary ${'='.repeat(52)}`);
  for (const o of outcome) console.log(`  ${o}`);
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2).filter((a) => a !== '--')).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
