// Summarises a V8 heap snapshot by constructor (self sizes), largest first, with the total.
//   node --max-old-space-size=4000 bench/support/heap-summary.mjs FILE.heapsnapshot [ROWS]
import { readFileSync } from 'node:fs';

const snap = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const meta = snap.snapshot.meta;
const fields = meta.node_fields;
const types = meta.node_types[0];
const { strings, nodes } = snap;
const width = fields.length;
const iType = fields.indexOf('type');
const iName = fields.indexOf('name');
const iSize = fields.indexOf('self_size');
const by = new Map();
let total = 0;
for (let i = 0; i < nodes.length; i += width) {
  const type = types[nodes[i + iType]];
  const name = type === 'object' || type === 'closure' ? strings[nodes[i + iName]] : `(${type})`;
  const size = nodes[i + iSize];
  const e = by.get(name) ?? [0, 0];
  e[0]++;
  e[1] += size;
  by.set(name, e);
  total += size;
}
for (const [name, [count, size]] of [...by].sort((a, b) => b[1][1] - a[1][1]).slice(0, Number(process.argv[3] ?? 30))) {
  console.log(`${(size / 1e6).toFixed(1).padStart(7)} MB ${String(count).padStart(8)}  ${name.slice(0, 60)}`);
}
console.log(`total ${(total / 1e6).toFixed(1)} MB`);
