import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { answerChallenge, parseChallenge, serializeCredentials } from '../../../src/formats/digest.js';

export interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** An HTTP request as a user of the server, answering its digest challenge (RFC 7616) once. */
export async function httpAs(
  port: number,
  user: { name: string; password: string },
  method: string,
  path: string,
  opts: { body?: string; type?: string } = {},
): Promise<HttpReply> {
  const headers: Record<string, string> = {};
  if (opts.type) headers['Content-Type'] = opts.type;
  const first = await raw(port, method, path, headers, opts.body);
  if (first.status !== 401) return first;
  const challenge = parseChallenge(String(first.headers['www-authenticate']));
  const creds = answerChallenge(challenge, {
    username: user.name,
    password: user.password,
    method,
    uri: path,
    cnonce: randomBytes(8).toString('hex'),
    nc: 1,
  });
  return raw(port, method, path, { ...headers, Authorization: serializeCredentials(creds) }, opts.body);
}

export function httpPlain(port: number, method: string, path: string): Promise<HttpReply> {
  return raw(port, method, path, {});
}

/** PUTs an XCAP document into the user's home directory (RFC 4825 §7.1). */
export async function putXcap(port: number, user: { name: string; password: string }, domain: string, auid: string, doc: string, type: string, body: string): Promise<HttpReply> {
  const xui = encodeURIComponent(`sip:${user.name}@${domain}`);
  return httpAs(port, user, 'PUT', `/xcap/${auid}/users/${xui}/${doc}`, { body, type });
}
