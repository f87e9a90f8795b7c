import type { IncomingMessage, ServerResponse } from 'node:http';
import { XcapEngine, type XcapEngineOptions, type XcapResponse } from './xcap-engine.js';

/** Authenticates one HTTP request: the XUI of the user, or the challenge to send. */
export interface XcapAuthenticator {
  authenticate(req: IncomingMessage): Promise<{ user: string } | { challenge: { status: 401; headers: Record<string, string> } }>;
}

export interface XcapHandlerOptions extends XcapEngineOptions {
  readonly authenticator: XcapAuthenticator;
  /** Largest accepted request body in bytes (default 1 MiB); larger gets 413. */
  readonly maxBodyBytes?: number;
}

export type XcapHandler = ((req: IncomingMessage, res: ServerResponse) => void) & { readonly engine: XcapEngine };

function send(res: ServerResponse, r: XcapResponse, head: boolean): void {
  const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
  const headers: Record<string, string | number> = { ...r.headers };
  if (body !== undefined) headers['Content-Length'] = body.length;
  else if (r.status !== 304) headers['Content-Length'] = 0;
  res.writeHead(r.status, headers);
  res.end(head ? undefined : body);
}

function readBody(req: IncomingMessage, max: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The XCAP root as a node:http request handler, for requests whose path is
 * under the XCAP root (default "/xcap/"); the server mounts it there.
 * Order per RFC 4825 §8: URI checks (404/400), authentication (401),
 * authorization (403), then the method.
 */
export function createXcapHandler(opts: XcapHandlerOptions): XcapHandler {
  const engine = new XcapEngine(opts);
  const max = opts.maxBodyBytes ?? 1 << 20;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const body = await readBody(req, max);
    const prepared = await engine.prepare(req.url ?? '/');
    if (!('uri' in prepared)) return send(res, prepared, method === 'HEAD');
    const auth = await opts.authenticator.authenticate(req);
    if ('challenge' in auth) return send(res, { status: 401, headers: auth.challenge.headers }, method === 'HEAD');
    if (body === null) return send(res, { status: 413, headers: {} }, false);
    const ctRaw = req.headers['content-type'];
    const contentType = ctRaw === undefined ? undefined : ctRaw.split(';')[0]!.trim().toLowerCase();
    const r = await engine.handle(prepared, auth.user, {
      method,
      ...(typeof req.headers['if-match'] === 'string' ? { ifMatch: req.headers['if-match'] } : {}),
      ...(typeof req.headers['if-none-match'] === 'string' ? { ifNoneMatch: req.headers['if-none-match'] } : {}),
      ...(contentType === undefined ? {} : { contentType }),
      body,
    });
    send(res, r, method === 'HEAD');
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, headers: {} }, false);
      else res.destroy();
    });
  };
  return Object.assign(handler, { engine });
}
