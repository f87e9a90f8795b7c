// A listening MSRP socket: TCP ("msrp", default 127.0.0.1:2855) or TLS
// ("msrps") when a certificate is given. Accepted sockets go to a sink: an
// endpoint or a relay.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { MSRP_DEFAULT_PORT } from '../status-codes.js';
import { NodeSocketTransport } from './node-tcp.js';
import type { MsrpTransportSink } from './transport.js';

export interface MsrpServerOptions {
  sink: MsrpTransportSink;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 2855; 0 picks a free port. */
  port?: number;
  /** TLS key and certificate: the listener then speaks msrps. */
  tls?: tls.TlsOptions;
}

export class MsrpServer {
  readonly #opts: MsrpServerOptions;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  constructor(opts: MsrpServerOptions) {
    this.#opts = opts;
    const onSocket = (socket: net.Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      opts.sink.acceptTransport(new NodeSocketTransport(socket, opts.tls ? 'tls' : 'tcp'));
    };
    this.#server = opts.tls ? tls.createServer(opts.tls, onSocket) : net.createServer(onSocket);
    // A failed TLS handshake is the client's problem, not the server's.
    this.#server.on('tlsClientError', () => undefined);
  }

  get secure(): boolean {
    return this.#opts.tls !== undefined;
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#opts.port ?? MSRP_DEFAULT_PORT, this.#opts.host ?? '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve(this.address);
      });
    });
  }

  get address(): { host: string; port: number } {
    const a = this.#server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** Stops listening and drops open connections. */
  close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
