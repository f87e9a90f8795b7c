// MSRP throughput and message rate on loopback TCP, direct and through the
// relay. Prints figures beside the goals of issue 6; never asserts on time.
//   node --import tsx bench/msrp.ts
//
// Each side has its own event loop: the sender runs on the main thread, the
// receiver and the relay each in a worker thread, so no figure is "both
// ends sharing one core". Every figure is the median of a few timed runs,
// each run bounded in time (not in messages) so the whole bench stays under
// a minute on a slow machine. A run ends when the receiver has every
// message (not when the relay answered 200 hop by hop).
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { computeHa1 } from '../src/formats/digest.js';
import { NonceIssuer } from '../src/formats/digest-nonce.js';
import { MsrpEndpoint } from '../src/msrp/endpoint.js';
import { MsrpRelay } from '../src/msrp/relay/relay.js';
import type { MsrpSession } from '../src/msrp/session.js';
import { MsrpServer } from '../src/msrp/transport/node-server.js';
import { NodeTcpConnector } from '../src/msrp/transport/node-tcp.js';
import type { MsrpTransport } from '../src/msrp/transport/transport.js';
import { formatMsrpUri, parseMsrpUri } from '../src/msrp/uri.js';

/** Timed runs per figure; the median is printed. */
const RUNS = 3;
/** Length of one timed run, seconds (sending stops then; in-flight messages still count). */
const RUN_SECONDS = 1;
const WARMUP_SECONDS = 0.4;
/** A run that has not finished this long after it stopped sending is a bug, not a figure. */
const STALL_MS = 20_000;

const GOAL_MBPS = 200;
const GOAL_RATE = 50_000;

type ToWorker = { type: 'wait'; count: number } | { type: 'remote'; uri: string } | { type: 'cpu' };
type FromWorker = { type: 'ready'; port: number; uri?: string } | { type: 'reached'; count: number } | { type: 'cpu'; ms: number };

/**
 * CPU time of the calling thread in ms (Linux: /proc/thread-self/stat, in
 * clock ticks of 10 ms), NaN elsewhere. The machine may be shared, so
 * besides wall-clock rates the bench prints what one core per side would
 * sustain: messages over the busiest side's CPU time.
 */
function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

function answerCpu(m: ToWorker): boolean {
  if (m.type !== 'cpu') return false;
  parentPort!.postMessage({ type: 'cpu', ms: threadCpuMs() } satisfies FromWorker);
  return true;
}

// ------------------------------------------------------------------ workers

/** Bob: listens, accepts one session, counts delivered messages. */
async function receiverMain(): Promise<void> {
  let bob: MsrpEndpoint | undefined;
  const server = new MsrpServer({ host: '127.0.0.1', port: 0, sink: { acceptTransport: (t: MsrpTransport) => bob!.acceptTransport(t) } });
  const { port } = await server.listen();
  bob = new MsrpEndpoint({ host: '127.0.0.1', port });
  let count = 0;
  let waitFor = Infinity;
  const session = bob.createSession({
    delegate: {
      onMessage: () => {
        if (++count >= waitFor) {
          waitFor = Infinity;
          parentPort!.postMessage({ type: 'reached', count } satisfies FromWorker);
        }
      },
    },
  });
  parentPort!.on('message', (m: ToWorker) => {
    if (answerCpu(m)) return;
    if (m.type === 'remote') session.setRemotePath(m.uri.split(' ').map(parseMsrpUri));
    else if (m.type !== 'wait') return;
    else if (count >= m.count) parentPort!.postMessage({ type: 'reached', count } satisfies FromWorker);
    else waitFor = m.count;
  });
  parentPort!.postMessage({ type: 'ready', port, uri: formatMsrpUri(session.localUri) } satisfies FromWorker);
}

async function relayMain(): Promise<void> {
  let relay: MsrpRelay | undefined;
  const server = new MsrpServer({ host: '127.0.0.1', port: 0, sink: { acceptTransport: (t: MsrpTransport) => relay!.acceptTransport(t) } });
  const { port } = await server.listen();
  relay = new MsrpRelay({
    host: '127.0.0.1',
    port,
    realm: 'bench',
    users: { lookupHa1: async (u, r, a) => computeHa1(a, u, r, 'pw') },
    nonces: new NonceIssuer({ secret: new Uint8Array(32).fill(3), now: () => Date.now(), random: (n) => crypto.getRandomValues(new Uint8Array(n)) }),
    connector: new NodeTcpConnector(),
  });
  parentPort!.on('message', (m: ToWorker) => answerCpu(m));
  parentPort!.postMessage({ type: 'ready', port } satisfies FromWorker);
}

// ------------------------------------------------------------------ main thread

class Side {
  readonly #worker: Worker;
  /** Messages not yet taken by next(), and the error that ended the worker. */
  readonly #inbox: FromWorker[] = [];
  #failed: Error | undefined;
  #waiter: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined;

  constructor(role: 'receiver' | 'relay') {
    // Workers do not inherit the tsx loader: register it, then load this file.
    const api = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    this.#worker = new Worker(code, { eval: true, workerData: { msrpBenchRole: role } });
    this.#worker.on('message', (m: FromWorker) => {
      const w = this.#waiter;
      this.#waiter = undefined;
      if (w) w.resolve(m);
      else this.#inbox.push(m);
    });
    this.#worker.on('error', (e) => {
      this.#failed = e;
      this.#waiter?.reject(e);
    });
  }

  next(): Promise<FromWorker> {
    const m = this.#inbox.shift();
    if (m) return Promise.resolve(m);
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  post(m: ToWorker): void {
    this.#worker.postMessage(m);
  }

  async cpuMs(): Promise<number> {
    const p = this.next();
    this.post({ type: 'cpu' });
    return ((await p) as Extract<FromWorker, { type: 'cpu' }>).ms;
  }

  async waitFor(count: number): Promise<void> {
    const p = this.next();
    this.post({ type: 'wait', count });
    await p;
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

interface Setup {
  sender: MsrpSession;
  receiver: Side;
  relay: Side | undefined;
  /** Messages the receiver has been asked to count so far. */
  sent: number;
  close(): Promise<void>;
}

async function setup(viaRelay: boolean): Promise<Setup> {
  const receiver = new Side('receiver');
  const relay = viaRelay ? new Side('relay') : undefined;
  const ready = (await receiver.next()) as Extract<FromWorker, { type: 'ready' }>;
  const bobUri = parseMsrpUri(ready.uri!);
  const alice = new MsrpEndpoint({ host: viaRelay ? 'alice.invalid' : '127.0.0.1', port: 9, connector: new NodeTcpConnector() });
  let session: MsrpSession;
  if (relay) {
    const { port } = (await relay.next()) as Extract<FromWorker, { type: 'ready' }>;
    const auth = await alice.authenticate({ scheme: 'msrp', host: '127.0.0.1', port, transport: 'tcp', params: [] }, { username: 'u', password: 'pw' });
    session = alice.createSession({ usePath: auth.usePath, remotePath: [bobUri] });
    receiver.post({ type: 'remote', uri: [...auth.usePath, session.localUri].map(formatMsrpUri).join(' ') });
  } else {
    session = alice.createSession({ remotePath: [bobUri] });
    receiver.post({ type: 'remote', uri: formatMsrpUri(session.localUri) });
  }
  const status = await alice.connect(session);
  if (status !== 200) throw new Error(`binding SEND got ${status}`);
  return {
    sender: session,
    receiver,
    relay,
    sent: 0,
    async close() {
      alice.close();
      await receiver.terminate();
      await relay?.terminate();
    },
  };
}

/**
 * Sends with `window` messages in flight for `seconds`, then waits until the
 * receiver has all of them. Returns messages per second.
 */
interface RunResult {
  /** Messages per second of wall-clock time. */
  readonly rate: number;
  /** Messages per second of CPU time of the busiest side (sender, receiver or relay). */
  readonly cpuRate: number;
  readonly busiest: string;
}

async function sideCpu(s: Setup): Promise<number[]> {
  return [threadCpuMs(), await s.receiver.cpuMs(), s.relay ? await s.relay.cpuMs() : NaN];
}

async function timedRun(s: Setup, seconds: number, window: number, send: () => Promise<void>): Promise<RunResult> {
  const cpu0 = await sideCpu(s);
  const t0 = performance.now();
  const stopAt = t0 + seconds * 1000;
  let n = 0;
  const lane = async () => {
    while (performance.now() < stopAt) {
      n++;
      await send();
    }
  };
  await watchdog(Promise.all(Array.from({ length: window }, lane)), 'sending');
  s.sent += n;
  await watchdog(s.receiver.waitFor(s.sent), 'waiting for the receiver');
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = await sideCpu(s);
  const used = cpu1.map((c, i) => c - cpu0[i]!);
  const names = ['sender', 'receiver', 'relay'];
  let busiest = 0;
  for (let i = 1; i < used.length; i++) if (used[i]! > used[busiest]!) busiest = i;
  return { rate: n / wall, cpuRate: n / (used[busiest]! / 1000), busiest: names[busiest]! };
}

/** A run that stalls fails the bench instead of hanging it. */
async function watchdog<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`msrp bench stalled ${what}`)), STALL_MS);
  });
  try {
    return await Promise.race([p, stall]);
  } finally {
    clearTimeout(timer);
  }
}

async function figure(s: Setup, window: number, send: () => Promise<void>): Promise<RunResult> {
  await timedRun(s, WARMUP_SECONDS, window, send);
  const runs: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timedRun(s, RUN_SECONDS, window, send));
  const mid = Math.floor(runs.length / 2);
  const byRate = [...runs].sort((a, b) => a.rate - b.rate);
  const byCpu = [...runs].sort((a, b) => a.cpuRate - b.cpuRate);
  return { rate: byRate[mid]!.rate, cpuRate: byCpu[mid]!.cpuRate, busiest: byCpu[mid]!.busiest };
}

function bulk(s: Setup, chunkSize: number): () => Promise<void> {
  const body = new Uint8Array(1024 * 1024).map((_, i) => i * 7);
  return async () => {
    const o = await s.sender.send(body, { chunkSize, contentType: 'application/octet-stream' }).done;
    if (!o.ok) throw new Error(`send failed: ${o.status} ${o.comment}`);
  };
}

function small(s: Setup, successReport: boolean): () => Promise<void> {
  const body = new Uint8Array(100).fill(97);
  return async () => {
    const o = await s.sender.send(body, { successReport }).done;
    if (!o.ok) throw new Error(`send failed: ${o.status} ${o.comment}`);
  };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export async function benchMsrp(): Promise<void> {
  const rows = [
    // 1 MiB messages, four in flight as a file transfer would have.
    { label: '1 MB messages, 2 KB chunks', unit: 'MB/s', goal: GOAL_MBPS, window: 4, make: (s: Setup) => bulk(s, 2048) },
    { label: '1 MB messages, 64 KB chunks', unit: 'MB/s', goal: GOAL_MBPS, window: 4, make: (s: Setup) => bulk(s, 65536) },
    { label: '100-byte messages', unit: 'msg/s', goal: GOAL_RATE, window: 2000, make: (s: Setup) => small(s, false) },
    { label: '100-byte, with Success-Report', unit: 'msg/s', goal: GOAL_RATE, window: 2000, make: (s: Setup) => small(s, true) },
  ];
  const results: RunResult[][] = [];
  const none: RunResult = { rate: NaN, cpuRate: NaN, busiest: '' };
  // For profiling one figure: MSRP_BENCH_ONLY='direct.*2 KB' node --cpu-prof ...
  const only = process.env.MSRP_BENCH_ONLY ? new RegExp(process.env.MSRP_BENCH_ONLY) : undefined;
  for (const viaRelay of [false, true]) {
    const chosen = (r: (typeof rows)[number]) => !only || only.test(`${viaRelay ? 'relay' : 'direct'} ${r.label}`);
    if (!rows.some(chosen)) {
      results.push(rows.map(() => none));
      continue;
    }
    const s = await setup(viaRelay);
    try {
      const col: RunResult[] = [];
      for (const r of rows) col.push(chosen(r) ? await figure(s, r.window, r.make(s)) : none);
      results.push(col);
    } finally {
      await s.close();
    }
  }
  console.log(`msrp: sender, receiver and relay each on their own thread; median of ${RUNS} runs of ${RUN_SECONDS} s`);
  console.log('msrp: "wall" is per second of elapsed time (the machine may be shared);');
  console.log('msrp: "1 core" is per second of CPU time of the busiest side (what one core per side sustains)');
  const table = [['', 'direct: wall', '1 core', 'goal', 'relay: wall', '1 core', 'goal']];
  rows.forEach((r, i) => {
    const f = (v: number) => (Number.isNaN(v) ? '-' : `${Math.round(v).toLocaleString('en-US')} ${r.unit}`);
    // Judged on the one-core figure (wall-clock where the CPU time cannot be read).
    const g = (v: RunResult, goal: number) => {
      const x = Number.isNaN(v.cpuRate) ? v.rate : v.cpuRate;
      return `≥ ${f(goal)}${x >= goal || Number.isNaN(x) ? '' : ' (missed)'}`;
    };
    const core = (v: RunResult) => (Number.isNaN(v.cpuRate) ? '-' : `${f(v.cpuRate)} (${v.busiest})`);
    const d = results[0]![i]!;
    const v = results[1]![i]!;
    table.push([r.label, f(d.rate), core(d), g(d, r.goal), f(v.rate), core(v), g(v, r.goal / 2)]);
  });
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)) + 2);
  for (const row of table) console.log(`msrp ${row.map((cell, c) => pad(cell, widths[c]!)).join('').trimEnd()}`);
}

const role = isMainThread ? undefined : (workerData as { msrpBenchRole?: string } | undefined)?.msrpBenchRole;
if (role === 'receiver') await receiverMain();
else if (role === 'relay') await relayMain();
else if (isMainThread && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchMsrp();
}
