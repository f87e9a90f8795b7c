// SIP/IP core throughput, side by side with Kamailio 5.6 (issues 2 and 3).
// The same sipp scenarios over UDP on loopback against both servers, on the
// same machine in the same run (sipp alone adds ~1.3 ms, PEERS.md):
//   - REGISTER with digest auth (401, credentials, 200), distinct users;
//   - MESSAGE relay with digest auth (407, credentials, relayed to a sipp
//     UAS registered as the recipient, 200);
//   - OPTIONS answered statelessly (simpleim, Kamailio, and a responder made
//     of the stack alone: bench/support/options-responder.ts);
//   - the RSS of simpleim holding 100,000 bindings.
// For each, the highest rate that holds (< 0.1 % failed calls) and, at that
// rate, calls/s, p50/p99 call time and the server's peak RSS. Prints figures,
// never asserts them.
//
//   node --import tsx bench/sip-core.ts
//   node --import tsx bench/sip-core.ts --profile message|register|options [RATE]   (CPU profile of simpleim)
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatSummary, summarizeProfile } from './support/cpuprofile-top.js';
import { freePort, Procs, sleep } from './support/procs.js';
import { findRate, type Found } from './support/rate-finder.js';
import { rssKb } from './support/rss.js';
import { holds, runLoad, type LoadResult } from './support/sipp-load.js';
import { addUsers, startKamailio, startResponder, startSimpleim, type Running } from './support/servers.js';

const DOMAIN = 'example.com';
const PASSWORD = 'bench-pw';
const RECIPIENT = 'bob';
const USERS = 100_000;
const SENDERS = 1000;
const SCENARIOS = fileURLToPath(new URL('./support/sipp/', import.meta.url));
const REGISTER_XML = join(SCENARIOS, 'register-auth.xml');
const MESSAGE_XML = join(SCENARIOS, 'message-uac-auth.xml');
const UAS_XML = join(SCENARIOS, 'message-uas.xml');
const OPTIONS_XML = join(SCENARIOS, 'options-uac.xml');

/** Rate search: 3 s runs from `start`, then 5 s at the best rate (PEERS.md: overload is a cliff). */
const SEARCH = { searchSeconds: 3, confirmSeconds: 5, max: 64_000 };

type ServerName = 'simpleim' | 'Kamailio 5.6' | 'stack responder';

interface Row {
  readonly test: string;
  readonly server: ServerName;
  readonly found: Found;
}

const log = (line: string) => console.log(line);

interface Files {
  readonly dir: string;
  readonly data: string;
  readonly registerCsv: string;
  readonly messageCsv: string;
}

function prepare(): Files {
  const dir = mkdtempSync(join(tmpdir(), 'simpleim-bench-sip-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  const names = Array.from({ length: USERS }, (_, i) => `u${i}`);
  const t = performance.now();
  addUsers(data, DOMAIN, [...names, RECIPIENT], PASSWORD);
  log(`  ${USERS + 1} users added to simpleim's store in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  // PEERS.md: sipp does not expand [field0] inside [authentication ...]; the keyword is a column.
  const auth = (u: string) => `[authentication username=${u} password=${PASSWORD}]`;
  const registerCsv = join(dir, 'register.csv');
  writeFileSync(registerCsv, `SEQUENTIAL\n${names.map((u) => `${u};${DOMAIN};3600;${auth(u)};5999`).join('\n')}\n`);
  const messageCsv = join(dir, 'message.csv');
  writeFileSync(messageCsv, `SEQUENTIAL\n${names.slice(0, SENDERS).map((u) => `${u};${DOMAIN};${RECIPIENT};${auth(u)}`).join('\n')}\n`);
  return { dir, data, registerCsv, messageCsv };
}

/** One REGISTER of the recipient whose Contact points at the sipp UAS port. */
async function registerRecipient(procs: Procs, files: Files, server: Running, uasPort: number): Promise<void> {
  const csv = join(files.dir, `recipient-${uasPort}.csv`);
  writeFileSync(csv, `SEQUENTIAL\n${RECIPIENT};${DOMAIN};3600;[authentication username=${RECIPIENT} password=${PASSWORD}];${uasPort}\n`);
  const r = await runLoad(procs, { scenario: REGISTER_XML, remote: `127.0.0.1:${server.port}`, inf: csv, rate: 10, seconds: 0.1, pids: [] });
  if (r.ok !== 1) throw new Error(`registering ${RECIPIENT} failed (sipp exit ${r.exitCode})`);
}

/** A sipp UAS that answers every relayed MESSAGE with 200; bounded by its own timeout. */
async function startUas(procs: Procs): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = procs.start(
    'sipp',
    ['-sf', UAS_XML, '-nostdin', '-t', 'u1', '-i', '127.0.0.1', '-p', String(port), '-buff_size', '1048576', '-timeout', '600s'],
    { stdio: 'ignore' },
  );
  await sleep(300);
  if (child.exitCode !== null) throw new Error(`sipp UAS exited ${child.exitCode}`);
  return { port, stop: () => procs.stop(child, 2000) };
}

async function measure(
  procs: Procs,
  files: Files,
  server: Running,
  name: ServerName,
  rows: Row[],
  opts: { readonly options: number; readonly register?: number; readonly message?: number },
): Promise<void> {
  const remote = `127.0.0.1:${server.port}`;
  const find = (test: string, start: number, run: (rate: number, seconds: number) => Promise<LoadResult>) =>
    findRate({ label: `${name} ${test}`, start, ...SEARCH, run, log }).then((found) => void rows.push({ test, server: name, found }));
  await find('OPTIONS', opts.options, (rate, seconds) => runLoad(procs, { scenario: OPTIONS_XML, remote, rate, seconds, pids: server.pids }));
  if (opts.register !== undefined) {
    await find('REGISTER+auth', opts.register, (rate, seconds) =>
      runLoad(procs, { scenario: REGISTER_XML, remote, inf: files.registerCsv, rate, seconds, pids: server.pids }),
    );
  }
  if (opts.message !== undefined) {
    const uas = await startUas(procs);
    try {
      await registerRecipient(procs, files, server, uas.port);
      await find('MESSAGE+auth', opts.message, (rate, seconds) =>
        runLoad(procs, { scenario: MESSAGE_XML, remote, inf: files.messageCsv, rate, seconds, pids: server.pids }),
      );
    } finally {
      await uas.stop();
    }
  }
}

/** REGISTERs every one of the USERS at a rate simpleim held; returns the bindings count and RSS after. */
async function bindingsMemory(procs: Procs, files: Files, server: Running, rate: number): Promise<string> {
  const remote = `127.0.0.1:${server.port}`;
  const t = performance.now();
  const r = await runLoad(procs, { scenario: REGISTER_XML, remote, inf: files.registerCsv, rate, seconds: USERS / rate, pids: server.pids });
  const secs = (performance.now() - t) / 1000;
  await sleep(1000);
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
  const m = /^simpleim_registrations (\d+)/m.exec(await res.text());
  const count = m ? Number(m[1]) : NaN;
  const rss = rssKb(server.pids[0]!) / 1024;
  const goal = rss < 200 ? 'ok' : 'MISS';
  return (
    `bindings: ${count.toLocaleString('en-US')} live after ${r.ok.toLocaleString('en-US')}/${r.placed.toLocaleString('en-US')} REGISTERs ` +
    `at ${rate}/s (${secs.toFixed(0)} s, p99 ${r.p99Ms.toFixed(1)} ms): simpleim RSS ${rss.toFixed(0)} MB ` +
    `(peak ${(r.memory.rssKb / 1024).toFixed(0)} MB) — goal < 200 MB: ${goal}`
  );
}

export async function benchSipCore(): Promise<void> {
  const started = performance.now();
  const procs = new Procs();
  const rows: Row[] = [];
  const notes: string[] = [];
  let files: Files | undefined;
  try {
    log('SIP core over UDP on 127.0.0.1: sipp drives simpleim and Kamailio 5.6 with the same scenarios');
    files = prepare();

    log('-- stack responder (transport + parser + createResponse, no transaction layer)');
    const responder = await startResponder(procs);
    await measure(procs, files, responder, 'stack responder', rows, { options: 4000 });
    await procs.stop(responder.child);

    log('-- Kamailio 5.6 (2 UDP workers, usrloc in memory, tm, auth with qop=auth)');
    const kamDir = join(files.dir, 'kamailio');
    mkdirSync(kamDir);
    const kam = await startKamailio(procs, { dir: kamDir, domain: DOMAIN, password: PASSWORD });
    await measure(procs, files, kam, 'Kamailio 5.6', rows, { options: 8000, register: 4000, message: 4000 });
    await procs.stop(kam.child);

    log('-- simpleim');
    const si = await startSimpleim(procs, { data: files.data, domain: DOMAIN });
    await measure(procs, files, si, 'simpleim', rows, { options: 4000, register: 1000, message: 1000 });
    const reg = rows.find((r) => r.server === 'simpleim' && r.test === 'REGISTER+auth')?.found.held?.rate;
    notes.push(await bindingsMemory(procs, files, si, reg ?? 1000));
    await procs.stop(si.child);
  } finally {
    await procs.stopAll();
    if (files) rmSync(files.dir, { recursive: true, force: true });
  }
  log('');
  log(formatTable(rows));
  for (const n of notes) log(n);
  log(`(sip-core bench took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

function formatTable(rows: readonly Row[]): string {
  const head = ['test', 'server', 'held/s', 'calls/s', 'p50 ms', 'p99 ms', 'peak RSS MB'];
  const body: string[][] = [];
  const out: string[] = [];
  const fig = (f: Found) => {
    const h = f.held;
    if (!h) return ['none', '-', '-', '-', '-'];
    const mem = `${(h.memory.rssKb / 1024).toFixed(0)}${h.memory.pssKb < h.memory.rssKb * 0.8 ? ` (PSS ${(h.memory.pssKb / 1024).toFixed(0)})` : ''}`;
    return [`${h.rate}`, `${Math.round(h.cps)}`, h.p50Ms.toFixed(2), h.p99Ms.toFixed(2), mem];
  };
  for (const r of rows) body.push([r.test, r.server, ...fig(r.found)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  out.push(line(head));
  for (const b of body) out.push(line(b));
  out.push('');
  out.push('simpleim / Kamailio (goals: throughput ratio >= 1.0, simpleim p99 < 10 ms):');
  for (const test of [...new Set(rows.map((r) => r.test))]) {
    const si = rows.find((r) => r.test === test && r.server === 'simpleim')?.found.held;
    const ka = rows.find((r) => r.test === test && r.server === 'Kamailio 5.6')?.found.held;
    if (!si || !ka) {
      out.push(`  ${test}: no ratio (a server held no rate)`);
      continue;
    }
    const tp = si.cps / ka.cps;
    out.push(
      `  ${test.padEnd(14)} throughput ${tp.toFixed(2)} [${tp >= 1 ? 'ok' : 'MISS'}]  p50 ${(si.p50Ms / ka.p50Ms).toFixed(2)}x` +
        `  p99 ${(si.p99Ms / ka.p99Ms).toFixed(2)}x (simpleim ${si.p99Ms.toFixed(2)} ms [${si.p99Ms < 10 ? 'ok' : 'MISS'}])` +
        `  RSS ${(si.memory.rssKb / ka.memory.rssKb).toFixed(2)}x (vs PSS ${(si.memory.pssKb / ka.memory.pssKb).toFixed(2)}x)`,
    );
  }
  const stack = rows.find((r) => r.server === 'stack responder')?.found.held;
  if (stack) out.push(`  issue 2: stack-only stateless OPTIONS responder held ${stack.rate}/s (${Math.round(stack.cps)} calls/s, p99 ${stack.p99Ms.toFixed(2)} ms)`);
  out.push('  calls/s and times are whole calls: REGISTER/MESSAGE = 2 round trips (challenge, then credentials); OPTIONS = 1.');
  return out.join('\n');
}

/** CPU profile of simpleim under one load (MESSAGE relay, REGISTER or OPTIONS) at a fixed rate for 10 s; prints where the time goes. */
export async function profileSipCore(load: 'message' | 'register' | 'options', rate: number): Promise<void> {
  const procs = new Procs();
  let files: Files | undefined;
  const profDir = mkdtempSync(join(tmpdir(), 'simpleim-bench-prof-'));
  try {
    files = prepare();
    const si = await startSimpleim(procs, { data: files.data, domain: DOMAIN, cpuProfDir: profDir });
    const remote = `127.0.0.1:${si.port}`;
    let r: LoadResult;
    if (load === 'message') {
      const uas = await startUas(procs);
      await registerRecipient(procs, files, si, uas.port);
      r = await runLoad(procs, { scenario: MESSAGE_XML, remote, inf: files.messageCsv, rate, seconds: 10, pids: si.pids });
      await uas.stop();
    } else if (load === 'register') {
      r = await runLoad(procs, { scenario: REGISTER_XML, remote, inf: files.registerCsv, rate, seconds: 10, pids: si.pids });
    } else {
      r = await runLoad(procs, { scenario: OPTIONS_XML, remote, rate, seconds: 10, pids: si.pids });
    }
    log(`${load} at ${rate}/s for 10 s: ${holds(r) ? 'holds' : 'FAILS'} ok ${r.ok}/${r.placed}, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`);
    await procs.stop(si.child, 15_000);
    const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!prof) throw new Error('no .cpuprofile written');
    log(formatSummary(summarizeProfile(join(profDir, prof)), 30));
    log(`profile: ${join(profDir, prof)}`);
  } finally {
    await procs.stopAll();
    if (files) rmSync(files.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--profile');
  const load = process.argv[i + 1];
  const run =
    i < 0
      ? benchSipCore()
      : load === 'message' || load === 'register' || load === 'options'
        ? profileSipCore(load, Number(process.argv[i + 2] ?? 1000) || 1000)
        : Promise.reject(new Error('usage: sip-core.ts [--profile message|register|options [RATE]]'));
  run.catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
