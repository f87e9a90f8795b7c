import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, simpleim } from './cli.js';

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

export interface TestServer {
  readonly sipPort: number;
  readonly httpPort: number;
  readonly domain: string;
  readonly data: string;
  readonly child: ChildProcess;
  readonly readyLine: string;
  stderr(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (no clean-up at all) and wait. */
  kill(): Promise<void>;
}

export interface TestServerOptions {
  readonly users?: Record<string, string>;
  readonly domain?: string;
  readonly data?: string;
  readonly extra?: readonly string[];
  readonly sipPort?: number;
  readonly httpPort?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts `simpleim server` as operators do, on free loopback ports, and waits
 * for its ready line. A port found free (or released by an earlier server)
 * can be taken by another test's socket before the server binds it: then it
 * starts again, on new ports where the caller did not fix them.
 */
export async function startServer(o: TestServerOptions = {}): Promise<TestServer> {
  const domain = o.domain ?? 'example.com';
  const data = o.data ?? mkdtempSync(join(tmpdir(), 'simpleim-'));
  for (const [name, pw] of Object.entries(o.users ?? {})) {
    const r = simpleim(['user', 'add', name, '--password', pw, '--data', data, '--domain', domain]);
    if (r.code !== 0 && !/already exists/.test(r.stderr)) throw new Error(`user add failed: ${r.stderr}`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(o, domain, data);
    } catch (e) {
      if (attempt >= 4 || !/EADDRINUSE/.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

async function startOnce(o: TestServerOptions, domain: string, data: string): Promise<TestServer> {
  const sipPort = o.sipPort ?? (await freePort());
  const httpPort = o.httpPort ?? (await freePort());
  const args = [
    BIN, 'server', '--data', data, '--domain', domain,
    '--sip', `127.0.0.1:${sipPort}`, '--http', `127.0.0.1:${httpPort}`, '--msrp', `127.0.0.1:${await freePort()}`,
    '--log-level', 'warn', ...(o.extra ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const readyLine = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server not ready: ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('simpleim ready'));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    sipPort,
    httpPort,
    domain,
    data,
    child,
    readyLine,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
