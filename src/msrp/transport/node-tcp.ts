// MSRP over Node TCP and TLS sockets ("msrp" and "msrps" URIs, RFC 4975 §6).
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { MsrpUri } from '../uri.js';
import { MSRP_DEFAULT_PORT } from '../status-codes.js';
import type { MsrpConnector, MsrpTransport, MsrpTransportHandler } from './transport.js';

export class NodeSocketTransport implements MsrpTransport {
  readonly kind: 'tcp' | 'tls';
  readonly secure: boolean;
  readonly remoteAddress: string;
  readonly socket: net.Socket;
  #handler: MsrpTransportHandler | undefined;
  #corked = false;
  #closed = false;
  readonly #highWaterMark: number;

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
      this.#handler?.onClose(error);
    });
  }

  setHandler(handler: MsrpTransportHandler): void {
    this.#handler = handler;
  }

  write(parts: readonly Uint8Array[]): boolean {
    if (this.#closed || this.socket.destroyed) return false;
    // Frames written in the same tick leave in one writev instead of one syscall each.
    if (!this.#corked) {
      this.#corked = true;
      this.socket.cork();
      queueMicrotask(() => {
        this.#corked = false;
        this.socket.uncork();
      });
    }
    if (parts.length === 1) this.socket.write(parts[0]!);
    else {
      let n = 0;
      for (const p of parts) n += p.length;
      // Small frames go out as one buffer: a writev of thousands of tiny
      // pieces costs more than copying 2 KiB; large bodies are not copied.
      if (n <= 65536) this.socket.write(Buffer.concat(parts, n));
      else for (const p of parts) this.socket.write(p);
    }
    // Node's 16 KiB socket high-water mark would stall bulk sending every
    // eight 2 KiB chunks; we keep up to 256 KiB queued ("drain" still fires,
    // since socket.write() reported false long before).
    return this.socket.writableLength < this.#highWaterMark;
  }

  close(): void {
    if (this.#closed) return;
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
