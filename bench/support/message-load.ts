// Quick MESSAGE relay load on the real server (the lead's harness, kept):
// a sipp UAS registered as bob, sipp sending authenticated MESSAGEs
// alice -> bob at RATE for CALLS calls. Prints sipp's result, the server's
// CPU time per call and RSS, and with XARGS="--trace-gc" the long GC pauses.
//
//   node --import tsx bench/support/message-load.ts RATE CALLS
//   XARGS="--trace-gc" node --import tsx bench/support/message-load.ts 1000 10000
//   SNAP=1 XARGS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR" SNAPDIR=DIR ...   (heap snapshot after the run;
//   summarise it with: node --max-old-space-size=4000 bench/support/heap-summary.mjs FILE)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleim } from '../../test/support/cli.js';
import { freePort } from '../../test/support/server.js';
import { runSipp, startSipp } from '../../test/support/sipp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const rate = Number(process.argv[2] ?? 1000);
const calls = Number(process.argv[3] ?? 10_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const data = mkdtempSync(join(tmpdir(), 'message-load-'));
for (const u of ['alice', 'bob']) simpleim(['user', 'add', u, '--password', 'pw', '--data', data, '--domain', 'example.com']);
const sip = await freePort();
const args = [
  ...(process.env.XARGS ? process.env.XARGS.split(' ') : []),
  'bin/simpleim.mjs', 'server', '--data', data, '--domain', 'example.com', '--sip', `127.0.0.1:${sip}`,
  '--http', `127.0.0.1:${await freePort()}`, '--msrp', `127.0.0.1:${await freePort()}`, '--log-level', 'warn',
];
const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
while (!out.includes('simpleim ready')) await sleep(100);

/** utime + stime of the server in ms, from /proc. */
const cpuMs = () => {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;

const uasPort = await freePort();
const uas = startSipp({ scenario: join(ROOT, 'test/sipp/message-uas.xml'), localPort: uasPort, calls, timeoutS: 120, extra: ['-buff_size', '4194304'] });
await sleep(300);
await runSipp({
  scenario: join(ROOT, 'test/sipp/register-auth.xml'),
  remote: `127.0.0.1:${sip}`,
  inf: `SEQUENTIAL\nbob;example.com;3600;[authentication username=bob password=pw];${uasPort}\n`,
});
const cpu0 = cpuMs();
const t = performance.now();
const msg = await runSipp({
  scenario: join(ROOT, 'test/sipp/message-uac-auth.xml'),
  remote: `127.0.0.1:${sip}`,
  calls,
  rate,
  timeoutS: 120,
  inf: 'SEQUENTIAL\nalice;example.com;bob;[authentication username=alice password=pw]\n',
  extra: ['-trace_rtt', '-rtt_freq', '1', '-buff_size', '4194304', '-l', String(rate * 6)],
});
console.log(`server CPU ${((cpuMs() - cpu0) / calls).toFixed(3)} ms/call, RSS ${rssMb().toFixed(0)} MB`);
console.log(`sipp exit ${msg.code}: ok ${msg.stats['SuccessfulCall(C)']}, failed ${msg.stats['FailedCall(C)']}, ${((performance.now() - t) / 1000).toFixed(1)} s (logs: ${msg.dir})`);
const rttFile = readdirSync(msg.dir).find((f) => f.includes('_rtt'));
if (rttFile) {
  const v = readFileSync(join(msg.dir, rttFile), 'utf8').trim().split('\n').slice(1)
    .map((l) => Number(l.split(';')[2])).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const q = (p: number) => v[Math.floor(p * (v.length - 1))];
  console.log(`rtt ms (n ${v.length}): p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${v[v.length - 1]}`);
}
const pause = (l: string) => Number((/(\d+\.\d+) \/ \d+\.\d+ ms/.exec(l) ?? [])[1]);
console.log(out.split('\n').filter((l) => /Mark-Compact/.test(l) || (/Scavenge/.test(l) && pause(l) > 20)).slice(-20).join('\n'));
if (process.env.SNAP) {
  const dir = process.env.SNAPDIR ?? ROOT;
  const before = new Set(readdirSync(dir));
  child.kill('SIGUSR2');
  let file: string | undefined;
  let last = -1;
  for (;;) {
    await sleep(1000);
    file ??= readdirSync(dir).find((x) => x.endsWith('.heapsnapshot') && !before.has(x));
    if (file === undefined) continue;
    const size = statSync(join(dir, file)).size;
    if (size === last && size > 0) break;
    last = size;
  }
  console.log(`heap snapshot: ${join(dir, file)}`);
}
child.kill('SIGTERM');
uas.kill();
