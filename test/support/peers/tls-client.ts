import { connect, type TLSSocket } from 'node:tls';

/**
 * A minimal SIP-over-TLS client (RFC 3261 §18, §26.2): one TLS connection
 * that verifies the server certificate against `ca`, writes raw requests and
 * reads whole responses framed by Content-Length.
 */
export class TlsSipClient {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: TLSSocket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, ca: string | Buffer): Promise<TlsSipClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ca }, () => resolve(new TlsSipClient(s)));
      s.once('error', reject);
    });
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  send(text: string): void {
    this.socket.write(text.replace(/\r?\n/g, '\r\n'));
  }

  /** The next complete message (head and Content-Length body) as text. */
  async read(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        const head = this.buf.subarray(0, end).toString('latin1');
        const len = Number(/^(?:content-length|l)\s*:\s*(\d+)/im.exec(head)?.[1] ?? 0);
        if (this.buf.length >= end + 4 + len) {
          const msg = this.buf.subarray(0, end + 4 + len).toString('utf8');
          this.buf = this.buf.subarray(end + 4 + len);
          return msg;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete SIP message over TLS within ${ms} ms (have ${JSON.stringify(this.buf.toString('latin1'))})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
