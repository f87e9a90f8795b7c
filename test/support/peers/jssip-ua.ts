import * as JsSIP from 'jssip';
import type { IncomingMessageEvent, OutgoingMessageEvent } from 'jssip/lib/UA.js';
import { WebSocket } from 'ws';

/** A message JsSIP received (its `newMessage` event with originator "remote"). */
export interface JsSipInbound {
  readonly from: string;
  readonly body: string;
  readonly contentType: string | undefined;
  readonly assertedIdentity: string | undefined;
}

/**
 * JsSIP (the browser SIP library) running in Node over the `ws` package,
 * connected to simpleim's SIP-over-WebSocket endpoint (RFC 7118).
 */
export class JsSipPeer {
  readonly ua: JsSIP.UA;
  readonly inbox: JsSipInbound[] = [];
  private waiters: Array<() => void> = [];

  private constructor(ua: JsSIP.UA) {
    this.ua = ua;
    ua.on('newMessage', (e: IncomingMessageEvent | OutgoingMessageEvent) => {
      if (e.originator !== 'remote') return;
      const req = (e as IncomingMessageEvent).request;
      this.inbox.push({
        from: req.from.uri.toString(),
        body: String(req.body ?? ''),
        contentType: req.getHeader('Content-Type'),
        assertedIdentity: req.hasHeader('P-Asserted-Identity') ? req.getHeader('P-Asserted-Identity') : undefined,
      });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Starts a JsSIP UA for `uri` against ws://127.0.0.1:httpPort/sip and waits until it is registered. */
  static async register(o: { httpPort: number; uri: string; password: string; timeoutMs?: number }): Promise<JsSipPeer> {
    // Node 20 has no global WebSocket; JsSIP's WebSocketInterface looks for one (PEERS.md).
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    const socket = new JsSIP.WebSocketInterface(`ws://127.0.0.1:${o.httpPort}/sip`);
    const ua = new JsSIP.UA({ sockets: [socket], uri: o.uri, password: o.password, register: true, register_expires: 600 });
    const peer = new JsSipPeer(ua);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('JsSIP did not register in time')), o.timeoutMs ?? 10_000);
      ua.once('registered', () => {
        clearTimeout(timer);
        resolve();
      });
      ua.once('registrationFailed', (e) => {
        clearTimeout(timer);
        reject(new Error(`JsSIP registration failed: ${e.cause} ${e.response?.status_code ?? ''}`));
      });
      ua.start();
    }).catch((e: unknown) => {
      ua.stop();
      throw e;
    });
    return peer;
  }

  /** Sends a MESSAGE and resolves with the final status code (JsSIP answers a 407 itself). */
  send(target: string, body: string, timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('JsSIP MESSAGE got no final response')), timeoutMs);
      this.ua.sendMessage(target, body, {
        contentType: 'text/plain',
        eventHandlers: {
          succeeded: (e) => {
            clearTimeout(timer);
            resolve(e.response.status_code);
          },
          failed: (e) => {
            clearTimeout(timer);
            // No response at all (a transport error or timeout) counts as 0.
            resolve(e.response?.status_code ?? 0);
          },
        },
      });
    });
  }

  async waitFor(pred: (m: JsSipInbound) => boolean, ms = 5000): Promise<JsSipInbound> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.inbox.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`JsSIP: no matching MESSAGE within ${ms} ms (got ${this.inbox.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Unregisters and closes the WebSocket. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      this.ua.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ua.stop();
    });
  }
}
