import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool, type ToolRun } from './run-tool.js';

// Debian 12's sipsak 0.9.8.1 (PEERS.md): it resolves the host of -s unless an
// outbound proxy (-p) comes first, there is no DNS here, and -M segfaults, so
// a MESSAGE is sent from a file (-f). -H fixes the host it writes in Via.

/** `sipsak -U`: one REGISTER of `user` (digest with `password`) binding `contact`, through the proxy at 127.0.0.1:port. */
export function sipsakRegister(o: { port: number; user: string; password: string; domain: string; contact: string; expires?: number }): Promise<ToolRun> {
  return runTool('sipsak', [
    '-U', '-p', `127.0.0.1:${o.port}`, '-k', '127.0.0.1', '-H', '127.0.0.1',
    '-C', o.contact, '-x', String(o.expires ?? 600),
    '-a', o.password, '-u', o.user, '-vvv', '-s', `sip:${o.user}@${o.domain}`,
  ]);
}

/**
 * `sipsak -f`: sends one MESSAGE from a file through 127.0.0.1:port, answering
 * a 407 when a password is given. Exits 0 on a 2xx final response.
 */
export function sipsakMessage(o: {
  port: number;
  from: string;
  to: string;
  body: string;
  user?: string;
  password?: string;
}): Promise<ToolRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sipsak-'));
  const body = Buffer.from(o.body);
  // sipsak puts its own Via on top and inserts CR before each LF (no --no-crlf).
  const text = [
    `MESSAGE ${o.to} SIP/2.0`,
    `From: <${o.from}>;tag=sipsak${process.pid}`,
    `To: <${o.to}>`,
    `Call-ID: sipsak-${Date.now()}@127.0.0.1`,
    'CSeq: 1 MESSAGE',
    'Max-Forwards: 70',
    'Content-Type: text/plain;charset=UTF-8',
    `Content-Length: ${body.length}`,
    '',
    o.body,
  ].join('\n');
  const file = join(dir, 'message.txt');
  writeFileSync(file, text);
  const auth = o.password !== undefined ? ['-a', o.password, '-u', o.user ?? ''] : [];
  return runTool('sipsak', ['-f', file, '-p', `127.0.0.1:${o.port}`, '-H', '127.0.0.1', ...auth, '-vvv', '-s', o.to]);
}
