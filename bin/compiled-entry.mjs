// Chooses what `simpleim` runs: the compiled JavaScript under dist/ or the
// TypeScript sources through tsx.
//
// Why: tsx's loader hooks run in an extra V8 isolate, which costs an idle
// server about 40 MB RSS (118 MB against 76 MB measured). Operators
// (`npm start`) and the benchmarks build first and so get the compiled code.
// The sources stay the truth: the build is used only when its stamp is newer
// than every file and folder under src/, so a developer who edits src/ without
// rebuilding runs the edit, never a stale build. Plain .mjs (no TypeScript) so
// the check itself needs no loader. Walking src/ is ~250 stat calls, a few ms.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Written last by scripts/build.mjs; its mtime is the time that build started. */
export const STAMP = join('dist', 'BUILD_STAMP');
/** The compiled `simpleim` command, relative to the project root. */
export const COMPILED_MAIN = join('dist', 'src', 'cli', 'main.js');

/** Newest mtime (ms) of src/ itself and every file and folder under it. */
export function newestSourceMtime(srcDir) {
  // Folders count too: deleting or renaming a file changes only its folder.
  let newest = statSync(srcDir).mtimeMs;
  for (const e of readdirSync(srcDir, { withFileTypes: true })) {
    const p = join(srcDir, e.name);
    const m = e.isDirectory() ? newestSourceMtime(p) : statSync(p).mtimeMs;
    if (m > newest) newest = m;
  }
  return newest;
}

/** True when dist/ holds a finished build started after the last change under src/. */
export function compiledIsFresh(root) {
  const stamp = join(root, STAMP);
  if (!existsSync(stamp) || !existsSync(join(root, COMPILED_MAIN))) return false;
  // Strictly newer: an edit in the same millisecond as the build start counts as stale.
  return statSync(stamp).mtimeMs > newestSourceMtime(join(root, 'src'));
}

/** 'dist' or 'source'. SIMPLEIM_FROM_SOURCE=1 forces the sources. */
export function chooseEntry(root, env = process.env) {
  if (env.SIMPLEIM_FROM_SOURCE === '1') return 'source';
  return compiledIsFresh(root) ? 'dist' : 'source';
}
