import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The processes a bench started: every one is tracked from spawn to exit,
 * so `stopAll` (and, as a last resort, process exit) ends all of them and
 * nothing else. Kamailio forks its workers, so its descendants are ended too.
 */
export class Procs {
  private readonly live = new Set<ChildProcess>();
  private readonly onExit = () => {
    for (const c of this.live) for (const pid of [...descendants(c.pid!), c.pid!].reverse()) tryKill(pid, 'SIGKILL');
  };

  constructor() {
    process.on('exit', this.onExit);
  }

  start(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.live.add(child);
    child.on('exit', () => this.live.delete(child));
    child.on('error', () => this.live.delete(child));
    return child;
  }

  /** Resolves with the output so far once stdout or stderr matches `re`; rejects on exit or after `timeoutMs`. */
  waitFor(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      let out = '';
      const done = (err?: Error) => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        if (err) reject(err);
        else resolve(out);
      };
      const onData = (d: Buffer) => {
        out += d.toString();
        if (re.test(out)) done();
      };
      const onExit = (code: number | null) => done(new Error(`exited (${code}) before ready: ${out.slice(-2000)}`));
      const timer = setTimeout(() => done(new Error(`not ready after ${timeoutMs} ms: ${out.slice(-2000)}`)), timeoutMs);
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', onExit);
    });
  }

  /** SIGTERM (or `signal`), SIGKILL after `graceMs`; also ends the child's own children. */
  async stop(child: ChildProcess, graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.live.has(child) || child.pid === undefined) return;
    const kids = descendants(child.pid);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    tryKill(child.pid, signal);
    const timer = setTimeout(() => tryKill(child.pid!, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    for (const pid of kids) tryKill(pid, 'SIGKILL');
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((c) => this.stop(c, 3000)));
    process.off('exit', this.onExit);
  }
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Every descendant of `pid` (children, grandchildren...), from /proc. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the ")" that closes the command name.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // raced with an exit
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** A port free for both UDP and TCP on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

/** Sends OPTIONS over UDP until a 200 comes back: the server at `port` answers SIP. */
export async function waitSipReady(port: number, timeoutMs = 15_000): Promise<void> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const local = sock.address().port;
  try {
    await new Promise<void>((resolve, reject) => {
      let n = 0;
      const deadline = setTimeout(() => {
        clearInterval(tick);
        reject(new Error(`no 200 to OPTIONS on 127.0.0.1:${port} after ${timeoutMs} ms`));
      }, timeoutMs);
      sock.on('message', (m) => {
        if (m.toString('latin1').startsWith('SIP/2.0 200')) {
          clearTimeout(deadline);
          clearInterval(tick);
          resolve();
        }
      });
      const send = () => {
        n++;
        const msg =
          `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bKready${n}${Date.now()}\r\n` +
          `Max-Forwards: 70\r\nFrom: <sip:bench@127.0.0.1>;tag=r${n}\r\nTo: <sip:127.0.0.1:${port}>\r\n` +
          `Call-ID: ready-${n}-${Date.now()}@127.0.0.1\r\nCSeq: ${n} OPTIONS\r\nContent-Length: 0\r\n\r\n`;
        sock.send(msg, port, '127.0.0.1');
      };
      const tick = setInterval(send, 200);
      send();
    });
  } finally {
    sock.close();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
