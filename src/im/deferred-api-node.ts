import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../formats/clock.js';
import type { DeferredMessage, DeferredMessages } from '../store/deferred-messages.js';

/** Authenticates one HTTP request (HttpDigestAuthenticator): the user's AoR, or the challenge to send. */
export interface HttpAuthenticator {
  authenticate(req: IncomingMessage): Promise<{ user: string } | { challenge: { status: 401; headers: Record<string, string> } }>;
}

export interface DeferredApiOptions {
  readonly store: DeferredMessages;
  readonly auth: HttpAuthenticator;
  readonly clock: Clock;
  /** Mount point, e.g. "/im/deferred". */
  readonly prefix: string;
  /** Told after the user deleted a message (deferred-list mirror). */
  readonly onDeleted?: (owner: string, id: string) => void;
}

/**
 * Retrieval of deferred messages without push (OMA IM digest §3.4
 * "Retrieval"), as JSON over HTTP with digest authentication; each user
 * sees only their own inbox:
 *   GET    {prefix}        the list, oldest first (no bodies);
 *   GET    {prefix}/{id}   one message with its body;
 *   DELETE {prefix}/{id}   removes it (for every device).
 */
export function createDeferredApi(o: DeferredApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(o, req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.end();
    });
  };
}

async function handle(o: DeferredApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path !== o.prefix && !path.startsWith(o.prefix + '/')) return json(res, 404, { error: 'not found' });
  const auth = await o.auth.authenticate(req);
  if ('challenge' in auth) {
    res.writeHead(auth.challenge.status, { ...auth.challenge.headers, 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    return;
  }
  const owner = auth.user;
  const now = o.clock.now();
  const rest = path.slice(o.prefix.length).replace(/^\//, '');
  if (rest === '') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' }, { allow: 'GET' });
    const list = await o.store.list(owner, now);
    return json(res, 200, { messages: list.map(summary) });
  }
  if (rest.includes('/')) return json(res, 404, { error: 'not found' });
  const id = decodeURIComponent(rest);
  if (req.method === 'GET' || req.method === 'HEAD') {
    const m = await o.store.get(owner, id, now);
    if (!m) return json(res, 404, { error: 'no such message' });
    return json(res, 200, { ...summary(m), ...bodyOf(m.body) });
  }
  if (req.method === 'DELETE') {
    if (!(await o.store.delete(owner, id))) return json(res, 404, { error: 'no such message' });
    o.onDeleted?.(owner, id);
    res.writeHead(204).end();
    return;
  }
  return json(res, 405, { error: 'method not allowed' }, { allow: 'GET, DELETE' });
}

function header(m: DeferredMessage, name: string): string | undefined {
  return m.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function summary(m: DeferredMessage) {
  const subject = header(m, 'subject');
  return {
    id: m.id,
    from: m.from,
    sender: m.sender,
    contentType: header(m, 'content-type') ?? null,
    size: m.body.length,
    receivedAt: new Date(m.receivedAt).toISOString(),
    expiresAt: new Date(m.expiresAt).toISOString(),
    ...(subject === undefined ? {} : { subject }),
  };
}

/** The body as text when it is UTF-8, else base64. */
function bodyOf(b: Uint8Array): { body: string } | { bodyBase64: string } {
  try {
    return { body: new TextDecoder('utf-8', { fatal: true }).decode(b) };
  } catch {
    return { bodyBase64: Buffer.from(b).toString('base64') };
  }
}

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}
