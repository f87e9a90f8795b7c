// `npm run build`: compiles src/ to dist/src/ with tsc, copies the non-TS files
// the code reads at run time next to the compiled modules, then writes
// dist/BUILD_STAMP. bin/compiled-entry.mjs runs dist/ only while that stamp is
// newer than everything under src/; the stamp is removed first and written
// last, so a failed or interrupted build never leaves dist/ looking usable.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPILED_MAIN, STAMP } from '../bin/compiled-entry.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const out = join(root, 'dist');
const stamp = join(root, STAMP);
const buildInfo = join(out, '.tsbuildinfo');

// The stamp's mtime is set to this instant: a source saved while tsc runs is
// then newer than the stamp, and the next start runs the sources.
const started = new Date();
rmSync(stamp, { force: true });

function walk(dir) {
  const files = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...walk(p));
    else files.push(p);
  }
  return files;
}
const sources = walk(src);

// tsc's incremental mode trusts .tsbuildinfo and does not re-emit an output
// that was deleted by hand; rebuild from scratch when one is missing.
const missing = sources.some((f) => f.endsWith('.ts') && !existsSync(join(out, relative(root, f)).replace(/\.ts$/, '.js')));
if (missing || !existsSync(join(root, COMPILED_MAIN))) rmSync(buildInfo, { force: true });

// tsc prints diagnostics on stdout; send them to stderr so `npm start`'s
// stdout stays the server's own (operators wait for its `simpleim ready` line).
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: ['ignore', 2, 2] });
if (r.status !== 0) {
  console.error(`build: tsc failed (${r.status ?? r.signal}); no ${basename(STAMP)} written, so bin/simpleim.mjs keeps running the sources`);
  process.exit(1);
}

// Run-time assets (today the XML schemas that src/xdms/schema-validator.ts
// finds via import.meta.url): every non-.ts file under src/, so a new one is
// not forgotten. Hidden files (editor swap files) are skipped. Each copy goes
// through a temporary name and a rename, so a server already running from
// dist/ never reads a half-written file.
for (const f of sources) {
  if (f.endsWith('.ts') || basename(f).startsWith('.')) continue;
  const to = join(out, relative(root, f));
  const from = statSync(f);
  if (existsSync(to)) {
    const cur = statSync(to);
    if (cur.size === from.size && cur.mtimeMs >= from.mtimeMs) continue;
  }
  mkdirSync(dirname(to), { recursive: true });
  const tmp = `${to}.tmp-${process.pid}`;
  copyFileSync(f, tmp);
  renameSync(tmp, to);
}

writeFileSync(stamp, `built ${started.toISOString()} from src/ by scripts/build.mjs\n`);
utimesSync(stamp, started, started);
