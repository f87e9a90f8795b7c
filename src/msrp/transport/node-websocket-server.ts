// The server side of MSRP over WebSocket (RFC 7977) on a Node http(s).Server:
// upgrades on one path (default /msrp) with the "msrp" sub-protocol are
// taken here, other paths are left to other handlers (SIP at /sip).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MSRP_WS_PROTOCOL, WebSocketTransport, type WebSocketLike } from './browser-websocket.js';
import type { MsrpTransportSink } from './transport.js';

export interface MsrpWebSocketServerOptions {
  sink: MsrpTransportSink;
  /** Default "/msrp". */
  path?: string;
  /** True when the HTTP server is HTTPS (wss). */
  secure?: boolean;
  /** Largest WebSocket message (one MSRP chunk). Default 16 MiB. */
  maxPayload?: number;
}

export class MsrpWebSocketServer {
  readonly path: string;
  readonly #opts: MsrpWebSocketServerOptions;
  readonly #wss: WebSocketServer;

  constructor(opts: MsrpWebSocketServerOptions) {
    this.#opts = opts;
    this.path = opts.path ?? '/msrp';
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxPayload ?? 16 * 1024 * 1024,
      // RFC 7977 §4.1: "The 101 reply from the Server MUST contain "msrp"".
      handleProtocols: (protocols) => (protocols.has(MSRP_WS_PROTOCOL) ? MSRP_WS_PROTOCOL : false),
    });
  }

  /** True when this upgrade request is for us (our path). */
  handles(req: IncomingMessage): boolean {
    const path = (req.url ?? '/').split('?')[0];
    return path === this.path;
  }

  /** Call from the http server's "upgrade" event for requests where handles() is true. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    if (!this.handles(req) || !offered.includes(MSRP_WS_PROTOCOL)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const address = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      const transport = new WebSocketTransport(ws as unknown as WebSocketLike, { secure: this.#opts.secure ?? false, remoteAddress: address });
      this.#opts.sink.acceptTransport(transport);
    });
  }

  /** Convenience: listen for upgrades on `server`, taking only our path. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.handles(req)) this.handleUpgrade(req, socket, head);
    });
  }

  close(): void {
    for (const c of this.#wss.clients) c.terminate();
    this.#wss.close();
  }
}
