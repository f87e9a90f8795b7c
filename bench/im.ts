import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../src/store/sqlite/open.js';
import { SqliteDeferredMessages } from '../src/store/sqlite/deferred-messages.js';
import { freePort } from '../test/support/server.js';
import { TestUa } from '../test/support/test-ua.js';
import { runSipp, startSipp } from '../test/support/sipp.js';
import { Procs } from './support/procs.js';
import { addUsers, startSimpleim } from './support/servers.js';

const PUSH_MESSAGES = 10_000;
const RELAY_MESSAGES = 5_000;
const RELAY_ROUNDS = Number(process.env.BENCH_IM_ROUNDS ?? 3);
const SIPP = join(import.meta.dirname, 'support', 'sipp');
// BENCH_IM_PROFILE=<dir>: every server the bench starts writes a V8 CPU profile there when it
// stops (read it with `node --import tsx bench/support/cpuprofile-top.ts <file>`).
// BENCH_IM_ONLY=push|relay runs one figure; BENCH_IM_ROUNDS sets the relay rounds (3).
const PROFILE_DIR = process.env.BENCH_IM_PROFILE;
const ONLY = process.env.BENCH_IM_ONLY;
const DOMAIN = 'example.com';

/**
 * IM server figures (issue 4):
 *  - deferred push: 10,000 stored messages drained to one device over TCP,
 *    timed from its REGISTER to the last MESSAGE received (goal: under 2 s);
 *  - pager relay: sipp MESSAGE throughput (digest-authenticated, to a
 *    registered sipp UAS) through the participating functions, and through
 *    the same server with the IM server off (the plain proxy figure).
 */
export async function benchIm(): Promise<void> {
  if (ONLY !== 'relay') await benchPush();
  if (ONLY === 'push') return;
  // Short runs on a shared machine swing by tens of percent: alternate the two servers and take medians.
  const plain: Relay[] = [];
  const im: Relay[] = [];
  for (let i = 0; i < RELAY_ROUNDS; i++) {
    plain.push(await benchRelay(false));
    im.push(await benchRelay(true));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p = { rate: median(plain.map((r) => r.rate)), cpuUs: median(plain.map((r) => r.cpuUs)) };
  const m = { rate: median(im.map((r) => r.rate)), cpuUs: median(im.map((r) => r.cpuUs)) };
  const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`;
  console.log(
    `im pager relay (median of ${RELAY_ROUNDS} alternating runs of ${RELAY_MESSAGES}): plain proxy ${p.rate.toFixed(0)} msg/s, ` +
      `with IM functions ${m.rate.toFixed(0)} msg/s (${pct(m.rate, p.rate)}; goal within 10 %); ` +
      `server CPU per message ${p.cpuUs.toFixed(0)} µs vs ${m.cpuUs.toFixed(0)} µs (${pct(m.cpuUs, p.cpuUs)})`,
  );
  console.log(`  runs (msg/s): plain ${plain.map((r) => r.rate.toFixed(0)).join(', ')}; IM ${im.map((r) => r.rate.toFixed(0)).join(', ')}`);
}

async function benchPush(): Promise<void> {
  const procs = new Procs();
  const data = mkdtempSync(join(tmpdir(), 'simpleim-bench-im-'));
  addUsers(data, DOMAIN, ['bob'], 'bob-pw');
  // Filled before the server starts, in one transaction.
  const db = openSqlite(join(data, 'simpleim.db'));
  const store = new SqliteDeferredMessages(db);
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < PUSH_MESSAGES; i++) {
      void store.store(
        {
          owner: `sip:bob@${DOMAIN}`,
          sender: `sip:alice@${DOMAIN}`,
          from: `"Alice" <sip:alice@${DOMAIN}>`,
          headers: [['Content-Type', 'text/plain;charset=UTF-8']],
          body: Buffer.from(`deferred message number ${i} with some ordinary text in it`),
          receivedAt: now,
          expiresAt: now + 86_400_000,
        },
        `bench-${i}`,
        PUSH_MESSAGES,
        now,
      );
    }
  })();
  db.close();
  const server = await startSimpleim(procs, { data, domain: DOMAIN, ...(PROFILE_DIR ? { cpuProfDir: PROFILE_DIR } : {}) });
  try {
    const bob = await TestUa.create({ user: 'bob', password: 'bob-pw', serverPort: server.port, protocol: 'TCP' });
    let received = 0;
    let last = 0;
    const done = new Promise<void>((resolve) => {
      bob.handler = (req) => {
        if (req.method === 'MESSAGE' && ++received === PUSH_MESSAGES) {
          last = performance.now();
          resolve();
        }
        return 200;
      };
    });
    const cpu0 = cpuMs(server.child.pid!);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    await bob.register();
    await done;
    const secs = (last - t0) / 1000;
    // The server's own CPU time for the push: on a shared machine the wall time also counts waiting for a core.
    const cpu = cpuMs(server.child.pid!) - cpu0;
    const used = process.cpuUsage(client0);
    const client = Math.round((used.user + used.system) / 1000);
    console.log(
      `im deferred push: ${PUSH_MESSAGES} messages to one TCP device in ${secs.toFixed(2)} s (${Math.round(PUSH_MESSAGES / secs)} msg/s; goal < 2 s); ` +
        `CPU: server ${cpu} ms (${((cpu * 1000) / PUSH_MESSAGES).toFixed(0)} µs/msg), bench device ${client} ms`,
    );
    bob.inbox.length = 0;
    await bob.close();
  } finally {
    await procs.stop(server.child, 15_000);
    await procs.stopAll();
  }
}

/** CPU time (user + system) a process has used, from /proc (Linux), in ms. */
function cpuMs(pid: number): number {
  // /proc/<pid>/stat: fields after the ")" closing comm; utime and stime are the 14th and 15th fields, in clock ticks.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux build Node supports. */
const CLOCK_TICKS = 100;

interface Relay {
  readonly rate: number;
  /** The server's CPU time per relayed message (µs). */
  readonly cpuUs: number;
}

/** sipp MESSAGE throughput through one server, and the server's CPU time per relayed message. */
async function benchRelay(im: boolean): Promise<Relay> {
  const procs = new Procs();
  const data = mkdtempSync(join(tmpdir(), 'simpleim-bench-im-'));
  addUsers(data, DOMAIN, ['alice'], 'alice-pw');
  addUsers(data, DOMAIN, ['bob'], 'bob-pw');
  // The server reads its switches from the environment it inherits.
  const saved = process.env.SIMPLEIM_IM_SERVER;
  process.env.SIMPLEIM_IM_SERVER = String(im);
  const server = await startSimpleim(procs, { data, domain: DOMAIN, ...(PROFILE_DIR ? { cpuProfDir: PROFILE_DIR } : {}) }).finally(() => {
    if (saved === undefined) delete process.env.SIMPLEIM_IM_SERVER;
    else process.env.SIMPLEIM_IM_SERVER = saved;
  });
  try {
    const uasPort = await freePort();
    const uas = startSipp({ scenario: join(SIPP, 'message-uas.xml'), transport: 'u1', localPort: uasPort, calls: RELAY_MESSAGES, timeoutS: 120 });
    await runSipp({
      scenario: join(SIPP, 'register-auth.xml'),
      remote: `127.0.0.1:${server.port}`,
      inf: `SEQUENTIAL\nbob;${DOMAIN};600;[authentication username=bob password=bob-pw];${uasPort}\n`,
    });
    const cpu0 = cpuMs(server.child.pid!);
    const t0 = performance.now();
    const r = await runSipp({
      scenario: join(SIPP, 'message-uac-auth.xml'),
      remote: `127.0.0.1:${server.port}`,
      calls: RELAY_MESSAGES,
      rate: 5000,
      timeoutS: 120,
      extra: ['-l', '100'],
      inf: `SEQUENTIAL\nalice;${DOMAIN};bob;[authentication username=alice password=alice-pw]\n`,
    });
    const secs = (performance.now() - t0) / 1000;
    const cpu = cpuMs(server.child.pid!) - cpu0;
    uas.kill();
    const ok = Number(r.stats['SuccessfulCall(C)'] ?? 0);
    return { rate: ok / secs, cpuUs: ok > 0 ? (cpu * 1000) / ok : NaN };
  } finally {
    await procs.stop(server.child, 15_000);
    await procs.stopAll();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIm();
