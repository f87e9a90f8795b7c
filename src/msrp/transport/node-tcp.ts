// MSRP over Node TCP and TLS sockets ("msrp" and "msrps" URIs, RFC 4975 §6).
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { MsrpUri } from '../uri.js';
import { MSRP_DEFAULT_PORT } from '../status-codes.js';
import type { MsrpConnector, MsrpTransport, MsrpTransportHandler } from './transport.js';

/** Frames queued in one turn are joined into one buffer up to this size; larger bodies go out uncopied. */
const JOIN_LIMIT = 64 * 1024;

export class NodeSocketTransport implements MsrpTransport {
  readonly kind: 'tcp' | 'tls';
  readonly secure: boolean;
  readonly remoteAddress: string;
  readonly socket: net.Socket;
  #handler: MsrpTransportHandler | undefined;
  #closed = false;
  readonly #highWaterMark: number;
  /** Parts written this turn, not yet handed to the socket. */
  #queue: Uint8Array[] = [];
  #queued = 0;
  /** A part of JOIN_LIMIT or more is queued: it goes out uncopied. */
  #queuedLarge = false;
  #flushScheduled = false;
  readonly #flush = () => this.#flushQueue();

  constructor(socket: net.Socket, kind: 'tcp' | 'tls', highWaterMark = 256 * 1024) {
    this.#highWaterMark = highWaterMark;
    this.socket = socket;
    this.kind = kind;
    this.secure = kind === 'tls';
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.#handler?.onData(d));
    socket.on('drain', () => this.#handler?.onDrain());
    let error: Error | undefined;
    socket.on('error', (e) => (error = e));
    socket.on('close', () => {
      this.#closed = true;
      this.#queue = [];
      this.#queued = 0;
      this.#handler?.onClose(error);
    });
  }

  setHandler(handler: MsrpTransportHandler): void {
    this.#handler = handler;
  }

  write(parts: readonly Uint8Array[]): boolean {
    if (this.#closed || this.socket.destroyed) return false;
    // Frames written in the same turn leave together: one socket.write() of
    // one joined buffer costs far less than a stream write (and a writev
    // entry) per frame, which is what thousands of small frames would cost.
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      this.#queue.push(p);
      this.#queued += p.length;
      if (p.length >= JOIN_LIMIT) this.#queuedLarge = true;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flush);
    }
    // Node's 16 KiB socket high-water mark would stall bulk sending every
    // eight 2 KiB chunks; we keep up to 256 KiB queued. When we report
    // false, the socket has (or will have, once flushed) more than its own
    // high-water mark, so "drain" fires.
    if (this.socket.writableLength + this.#queued < this.#highWaterMark) return true;
    this.#flushQueue();
    return this.socket.writableLength < this.#highWaterMark;
  }

  #flushQueue(): void {
    this.#flushScheduled = false;
    const q = this.#queue;
    if (q.length === 0) return;
    const total = this.#queued;
    const large = this.#queuedLarge;
    this.#queue = [];
    this.#queued = 0;
    this.#queuedLarge = false;
    if (this.#closed || this.socket.destroyed) return;
    if (q.length === 1) {
      this.socket.write(q[0]!);
      return;
    }
    if (!large) {
      this.socket.write(Buffer.concat(q, total));
      return;
    }
    // Large bodies are not copied: small parts between them are joined, and
    // the pieces leave in one writev.
    this.socket.cork();
    let run: Uint8Array[] = [];
    let runBytes = 0;
    for (const p of q) {
      if (p.length >= JOIN_LIMIT) {
        if (run.length > 0) this.socket.write(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes));
        run = [];
        runBytes = 0;
        this.socket.write(p);
      } else {
        run.push(p);
        runBytes += p.length;
      }
    }
    if (run.length > 0) this.socket.write(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes));
    this.socket.uncork();
  }

  close(): void {
    if (this.#closed) return;
    this.#flushQueue();
    this.socket.end();
    // A peer that never finishes its side must not hold the socket forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}

export interface NodeTcpConnectorOptions {
  /** TLS options for "msrps" URIs (ca, servername, rejectUnauthorized...). */
  tls?: tls.ConnectionOptions;
  /** Connect timeout in ms. Default 10 s. */
  timeoutMs?: number;
}

/** Opens TCP for "msrp" and TLS for "msrps" URIs towards host:port of the URI (RFC 4975 §6.2). */
export class NodeTcpConnector implements MsrpConnector {
  readonly #opts: NodeTcpConnectorOptions;

  constructor(opts: NodeTcpConnectorOptions = {}) {
    this.#opts = opts;
  }

  connect(uri: MsrpUri): Promise<MsrpTransport> {
    if (uri.transport !== 'tcp') return Promise.reject(new Error(`cannot connect to transport ${uri.transport}`));
    const host = uri.host.replace(/^\[(.*)\]$/, '$1');
    const port = uri.port ?? MSRP_DEFAULT_PORT;
    return new Promise((resolve, reject) => {
      const secure = uri.scheme === 'msrps';
      const socket = secure
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...this.#opts.tls })
        : net.connect({ host, port });
      const timer = setTimeout(() => socket.destroy(new Error('connect timeout')), this.#opts.timeoutMs ?? 10_000);
      const onError = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      socket.once('error', onError);
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new NodeSocketTransport(socket, secure ? 'tls' : 'tcp'));
      });
    });
  }
}
