import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * ARCHITECTURE.md: layers follow the RFCs and dependencies point down only;
 * STYLE.md: no import circles, inside a layer either. Checked on the source.
 */
const SRC = join(import.meta.dirname, '..', '..', 'src');

/** What each layer may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  formats: [],
  sip: ['formats'],
  msrp: ['formats'],
  store: ['formats', 'sip'],
  core: ['formats', 'sip', 'store'],
  xdms: ['formats', 'sip', 'store', 'core'],
  im: ['formats', 'sip', 'msrp', 'store', 'core', 'xdms'],
  http: ['formats', 'store', 'core'],
  client: ['formats', 'sip', 'msrp'],
  cli: ['formats', 'store', 'config', 'server'],
};

function files(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  }
  for (const m of text.matchAll(/import\('(\.[^']+)'\)/g)) out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  return out;
}

const layerOf = (f: string) => relative(SRC, f).split('/')[0]!.replace(/\.ts$/, '');
const all = files(SRC);

describe('layers (ARCHITECTURE.md)', () => {
  test('every import points down to an allowed layer', () => {
    const bad: string[] = [];
    for (const f of all) {
      const from = layerOf(f);
      const allowed = ALLOWED[from];
      if (!allowed) continue; // server.ts and config.ts are the composition root
      for (const target of imports(f)) {
        const to = layerOf(target);
        if (to !== from && !allowed.includes(to)) bad.push(`${relative(SRC, f)} → ${relative(SRC, target)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('src/sip, src/msrp and src/formats never mention instant messaging layers', () => {
    for (const f of all.filter((f) => ['sip', 'msrp', 'formats'].includes(layerOf(f)))) {
      for (const target of imports(f)) assert.ok(!['im', 'core', 'xdms'].includes(layerOf(target)), `${relative(SRC, f)} imports ${relative(SRC, target)}`);
    }
  });

  test('pure layers (formats, the SIP and MSRP codecs) import nothing from node: outside Node-only files', () => {
    const bad: string[] = [];
    for (const f of all.filter((f) => ['formats', 'sip', 'msrp'].includes(layerOf(f)))) {
      const rel = relative(SRC, f);
      if (/(^|\/)node-|\/transport\/node|\/relay\//.test(rel)) continue;
      if (/from\s+'node:/.test(readFileSync(f, 'utf8'))) bad.push(rel);
    }
    assert.deepEqual(bad, []);
  });

  test('no import cycles (STYLE.md)', () => {
    const graph = new Map(all.map((f) => [f, imports(f).filter((t) => all.includes(t))]));
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (f: string, stack: string[]) => {
      state.set(f, 1);
      for (const t of graph.get(f) ?? []) {
        if (state.get(t) === 1) cycles.push([...stack.slice(stack.indexOf(t)), t].map((x) => relative(SRC, x)).join(' → '));
        else if (!state.has(t)) visit(t, [...stack, t]);
      }
      state.set(f, 2);
    };
    for (const f of all) if (!state.has(f)) visit(f, [f]);
    assert.deepEqual(cycles, []);
  });
});
