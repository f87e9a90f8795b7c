import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../server.js';

/**
 * Debian 12's linphone-daemon (liblinphone 5.1), driven through its stdin
 * as PEERS.md describes. The traps found here: without a writable HOME it
 * cannot open its database and never creates a listening point; with
 * auto_net_state_mon=0 it thinks the network is down, so it registers only
 * with register_only_when_network_is_up=0. An account made with the daemon's
 * `register` command is not the default one: `message` would then go
 * straight to the domain (DNS), not through the proxy.
 */
export class LinphoneDaemon {
  private out = '';
  private waiters: Array<() => void> = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly dir: string,
    readonly localPort: number,
  ) {
    child.stdout.on('data', (d: Buffer) => this.append(d.toString()));
    child.stderr.on('data', () => undefined);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Everything the daemon printed on stdout so far (command answers and events). */
  get output(): string {
    return this.out;
  }

  /**
   * Starts the daemon with one account (the default one, so `message` uses
   * it) that registers at once through the proxy at 127.0.0.1:proxyPort.
   */
  static async start(o: {
    transport: 'udp' | 'tcp';
    proxyPort: number;
    aor: string;
    user: string;
    password: string;
    realm: string;
  }): Promise<LinphoneDaemon> {
    const dir = mkdtempSync(join(tmpdir(), 'linphone-'));
    const home = join(dir, 'home');
    mkdirSync(join(home, '.local', 'share', 'linphone'), { recursive: true });
    const port = await freePort();
    const proxy = `<sip:127.0.0.1:${o.proxyPort};transport=${o.transport}>`;
    const rc = [
      '[sip]',
      `sip_port=${o.transport === 'udp' ? port : 0}`,
      `sip_tcp_port=${o.transport === 'tcp' ? port : 0}`,
      'sip_tls_port=0',
      'bind_address=127.0.0.1',
      'use_ipv6=0',
      'auto_net_state_mon=0',
      'register_only_when_network_is_up=0',
      'default_proxy=0',
      '[proxy_0]',
      `reg_proxy=${proxy}`,
      `reg_route=${proxy.replace('>', ';lr>')}`,
      `reg_identity=${o.aor}`,
      'reg_expires=600',
      'reg_sendregister=1',
      'publish=0',
      '[auth_info_0]',
      `username=${o.user}`,
      `passwd=${o.password}`,
      `realm=${o.realm}`,
      `domain=${o.realm}`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'linphonerc'), rc);
    const child = spawn('linphone-daemon', ['--config', join(dir, 'linphonerc'), '--log', join(dir, 'linphone.log')], {
      env: { ...process.env, HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const d = new LinphoneDaemon(child, dir, port);
    await d.waitFor(/daemon-linphone>/, 15_000);
    return d;
  }

  /** Sends one command line. */
  send(command: string): void {
    this.child.stdin.write(`${command}\n`);
  }

  /** Waits until stdout (from `from` on) matches `re`; returns the match. */
  async waitFor(re: RegExp, ms = 10_000, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.out.slice(from));
      if (m) return m;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`linphone-daemon: no ${re} within ${ms} ms; output:\n${this.out.slice(-3000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Polls `register-status` until the account is LinphoneRegistrationOk (throws on Failed or after ~10 s). */
  async registered(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const mark = this.out.length;
      this.send('register-status ALL');
      const m = await this.waitFor(/State: (\w+)/, 5000, mark);
      if (m[1] === 'LinphoneRegistrationOk') return;
      if (m[1] === 'LinphoneRegistrationFailed') throw new Error(`linphone-daemon: registration failed (log: ${this.dir}/linphone.log)`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`linphone-daemon: not registered (log: ${this.dir}/linphone.log)\n${this.out.slice(-2000)}`);
  }

  /** `quit`, then SIGKILL if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.send('quit');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }

  private append(s: string): void {
    this.out += s;
    for (const w of this.waiters.splice(0)) w();
  }
}
