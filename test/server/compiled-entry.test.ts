import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chooseEntry } from '../../bin/compiled-entry.mjs';
import { answerChallenge, parseChallenge, serializeCredentials } from '../../src/formats/digest.js';
import { startServer, type TestServer } from '../support/server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const scratch: string[] = [];
after(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

function build(root: string) {
  return spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

function write(path: string, text: string, mtimeSec?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  if (mtimeSec !== undefined) utimesSync(path, mtimeSec, mtimeSec);
}

describe('which code `simpleim` runs (bin/compiled-entry.mjs)', () => {
  // A project layout with controlled mtimes: sources at t=1000, build stamp at t=2000.
  function layout(): string {
    const root = mkdtempSync(join(tmpdir(), 'entry-'));
    scratch.push(root);
    write(join(root, 'src', 'cli', 'main.ts'), 'export {};\n', 1000);
    write(join(root, 'src', 'xdms', 'a.ts'), 'export {};\n', 1000);
    utimesSync(join(root, 'src', 'xdms'), 1000, 1000);
    utimesSync(join(root, 'src', 'cli'), 1000, 1000);
    utimesSync(join(root, 'src'), 1000, 1000);
    write(join(root, 'dist', 'src', 'cli', 'main.js'), 'export {};\n', 2000);
    write(join(root, 'dist', 'BUILD_STAMP'), 'built\n', 2000);
    return root;
  }

  test('a build stamped after every source runs the compiled code', () => {
    assert.equal(chooseEntry(layout(), {}), 'dist');
  });

  test('no stamp (never built, or the last build failed) runs the sources', () => {
    const root = layout();
    rmSync(join(root, 'dist', 'BUILD_STAMP'));
    assert.equal(chooseEntry(root, {}), 'source');
  });

  test('a source edited after the build runs the sources, never the stale build', () => {
    const root = layout();
    utimesSync(join(root, 'src', 'xdms', 'a.ts'), 3000, 3000);
    assert.equal(chooseEntry(root, {}), 'source');
  });

  test('a source file deleted after the build (only its folder changes) runs the sources', () => {
    const root = layout();
    utimesSync(join(root, 'src', 'xdms'), 3000, 3000);
    assert.equal(chooseEntry(root, {}), 'source');
  });

  test('a stamp without the compiled main module runs the sources', () => {
    const root = layout();
    rmSync(join(root, 'dist', 'src', 'cli', 'main.js'));
    assert.equal(chooseEntry(root, {}), 'source');
  });

  test('SIMPLEIM_FROM_SOURCE=1 runs the sources even with a fresh build', () => {
    assert.equal(chooseEntry(layout(), { SIMPLEIM_FROM_SOURCE: '1' }), 'source');
  });
});

describe('scripts/build.mjs', () => {
  // A copy of the build script in a small project sharing this one's node_modules.
  function project(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'build-'));
    scratch.push(root);
    for (const f of ['scripts/build.mjs', 'bin/compiled-entry.mjs', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, f), join(root, f));
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    write(join(root, 'package.json'), '{ "type": "module" }\n');
    for (const [p, text] of Object.entries(files)) write(join(root, p), text);
    return root;
  }

  test('compiles, copies every non-TypeScript file under src/, stamps last', () => {
    const root = project({
      'src/cli/main.ts': 'export const x: number = 1;\n',
      'src/xdms/schemas/x.xsd': '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>\n',
      'src/future/asset.json': '{}\n',
    });
    const r = build(root);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '', 'nothing on stdout: `npm start` keeps it for the server');
    assert.ok(existsSync(join(root, 'dist', 'src', 'cli', 'main.js')));
    assert.ok(existsSync(join(root, 'dist', 'src', 'xdms', 'schemas', 'x.xsd')));
    assert.ok(existsSync(join(root, 'dist', 'src', 'future', 'asset.json')));
    assert.equal(chooseEntry(root, {}), 'dist');
  });

  test('a type error fails the build and removes the old stamp, so the sources run', () => {
    const root = project({ 'src/cli/main.ts': 'export const x: number = 1;\n' });
    assert.equal(build(root).status, 0);
    write(join(root, 'src', 'cli', 'main.ts'), "export const x: number = 'one';\n");
    const r = build(root);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /TS2322/);
    assert.equal(existsSync(join(root, 'dist', 'BUILD_STAMP')), false);
    assert.equal(chooseEntry(root, {}), 'source');
  });

  test('a compiled module deleted by hand is emitted again (tsc incremental alone would not)', () => {
    const root = project({ 'src/cli/main.ts': 'export {};\n', 'src/a.ts': 'export const a = 1;\n' });
    assert.equal(build(root).status, 0);
    rmSync(join(root, 'dist', 'src', 'a.js'));
    assert.equal(build(root).status, 0);
    assert.ok(existsSync(join(root, 'dist', 'src', 'a.js')));
  });
});

function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the server run from the compiled build', () => {
  let server: TestServer;
  before(async () => {
    const r = build(ROOT);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(ROOT, 'dist', 'BUILD_STAMP')));
    assert.ok(existsSync(join(ROOT, 'dist', 'src', 'xdms', 'schemas', 'oma-groups.xsd')));
    // The build just made is what bin/simpleim.mjs will run.
    assert.equal(chooseEntry(ROOT, {}), 'dist');
    server = await startServer({ users: { alice: 'alice-pw' }, env: { SIMPLEIM_FROM_SOURCE: '0' } });
  });
  after(async () => {
    await server?.stop();
  });

  // RFC 4825 §8.2.5: a PUT is validated against the usage's schema, which the
  // compiled build reads from dist/src/xdms/schemas.
  test('XCAP PUTs are validated against the schemas copied next to the compiled code', async () => {
    const path = '/xcap/resource-lists/users/sip:alice@example.com/index';
    const challenge = parseChallenge(String((await http(server.httpPort, 'GET', path)).headers['www-authenticate']));
    let nc = 0;
    const put = (body: string) =>
      http(server.httpPort, 'PUT', path, {
        'Content-Type': 'application/resource-lists+xml',
        Authorization: serializeCredentials(answerChallenge(challenge, { username: 'alice', password: 'alice-pw', method: 'PUT', uri: path, cnonce: 'c0ffee02', nc: ++nc })),
      }, body);
    const rl = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">${inner}</resource-lists>`;

    const ok = await put(rl('<list name="friends"><entry uri="sip:bob@example.com"/></list>'));
    assert.equal(ok.status, 201, ok.body);
    const bad = await put(rl('<list name="friends"><bogus/></list>'));
    assert.equal(bad.status, 409);
    assert.match(bad.body, /<schema-validation-error phrase="[^"]*bogus/);
  });
});
