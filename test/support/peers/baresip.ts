import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../server.js';

/**
 * Debian 12's baresip 1.0.0 with the modules `account contact menu cons`
 * (PEERS.md): configured from a temp directory, driven through the `cons`
 * console over TCP. A console connection that stays open is where baresip
 * prints the messages it receives; `/message` goes to the current contact
 * (the only one in the contacts file).
 */
export class Baresip {
  private out = '';
  private console = '';
  private waiters: Array<() => void> = [];
  private cons: Socket | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly dir: string,
    readonly consPort: number,
  ) {
    child.stdout!.on('data', (d: Buffer) => this.append('out', d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.append('out', d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** What baresip printed on stdout/stderr (registration results...). */
  get output(): string {
    return this.out;
  }

  /** What the console connection received. */
  get consoleOutput(): string {
    return this.console;
  }

  static async start(o: {
    transport: 'udp' | 'tcp';
    proxyPort: number;
    user: string;
    password: string;
    domain: string;
    /** The current contact, target of `/message`. */
    peer: string;
  }): Promise<Baresip> {
    const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
    // baresip also binds TLS on its SIP port + 1.
    const sipPort = await freePortPair();
    const consPort = await freePort();
    const config = [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      // `lo` fails here; there is no resolver on loopback but baresip wants one (PEERS.md).
      'net_interface 127.0.0.1',
      'dns_server 127.0.0.1:53',
      'module_path /usr/lib/baresip/modules',
      'module account.so',
      'module contact.so',
      'module menu.so',
      'module cons.so',
      `cons_listen 127.0.0.1:${consPort}`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'config'), config);
    const t = o.transport;
    writeFileSync(
      join(dir, 'accounts'),
      `<sip:${o.user}@${o.domain};transport=${t}>;auth_pass=${o.password};outbound="sip:127.0.0.1:${o.proxyPort};transport=${t}";regint=600\n`,
    );
    writeFileSync(join(dir, 'contacts'), `<${o.peer}>\n`);
    const child = spawn('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const b = new Baresip(child, dir, consPort);
    await b.waitFor('out', /baresip is ready\./, 15_000);
    return b;
  }

  /** Waits for baresip's registration line (`{0/UDP/v4} 200 OK ... [n binding]`); throws on a failure line. */
  async registered(ms = 10_000): Promise<string> {
    const m = await this.waitFor('out', /\{0\/(?:UDP|TCP)\/v4\} 200 OK[^\n]*|reg: [^\n]*|: \{0\/\w+\/v4\} [3-6]\d\d [^\n]*/, ms);
    if (!/ 200 OK/.test(m[0])) throw new Error(`baresip did not register: ${m[0]}\n${this.out}`);
    return m[0];
  }

  /** Sends a console command over a TCP console connection that stays open (it also receives what baresip prints). */
  async command(line: string): Promise<void> {
    if (!this.cons) {
      const s = connect(this.consPort, '127.0.0.1');
      await new Promise<void>((resolve, reject) => {
        s.once('connect', resolve);
        s.once('error', reject);
      });
      s.on('data', (d: Buffer) => this.append('console', d.toString()));
      s.on('error', () => undefined);
      this.cons = s;
    }
    this.cons.write(`${line}\n`);
  }

  async waitFor(where: 'out' | 'console', re: RegExp, ms = 10_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(where === 'out' ? this.out : this.console);
      if (m) return m;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`baresip: no ${re} within ${ms} ms\n--- output\n${this.out.slice(-2000)}\n--- console\n${this.console.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** SIGTERM (baresip then unregisters), SIGKILL after 3 s. */
  async stop(): Promise<void> {
    this.cons?.destroy();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(t);
  }

  private append(where: 'out' | 'console', s: string): void {
    if (where === 'out') this.out += s;
    else this.console += s;
    for (const w of this.waiters.splice(0)) w();
  }
}

/** A port P such that P and P + 1 are free for UDP and TCP on 127.0.0.1. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p < 65535 && (await isFree(p + 1))) return p;
  }
}

async function isFree(port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}
