#!/usr/bin/env node
// The `simpleim` command. Runs the compiled build when it is fresher than the
// sources (see compiled-entry.mjs for why), else the TypeScript sources through
// tsx so a fresh clone needs no build step.
import { fileURLToPath } from 'node:url';
import { chooseEntry } from './compiled-entry.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
if (chooseEntry(root) === 'dist') {
  await import('../dist/src/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
