import type { MsrpTransport, MsrpTransportHandler } from '../../../src/msrp/transport/transport.js';
import { concatBytes } from '../../../src/formats/bytes.js';

/** One end of an in-memory connection; bytes arrive at the other end on a microtask, like a socket. */
export class MemoryTransport implements MsrpTransport {
  readonly kind = 'tcp' as const;
  readonly secure = false;
  readonly remoteAddress = 'memory';
  peer!: MemoryTransport;
  handler: MsrpTransportHandler | undefined;
  closed = false;
  /** Everything written by this end. */
  readonly written: Uint8Array[] = [];
  /** When set, writes are swallowed (a peer that never answers). */
  blackhole = false;
  /** Like a socket buffer: write() returns false past this many bytes in one turn of the event loop. */
  highWaterMark = 16384;
  #pending = 0;
  #needDrain = false;

  setHandler(h: MsrpTransportHandler): void {
    this.handler = h;
  }

  write(parts: readonly Uint8Array[]): boolean {
    if (this.closed) return false;
    const bytes = concatBytes(parts).slice();
    this.written.push(bytes);
    if (!this.blackhole) queueMicrotask(() => !this.peer.closed && this.peer.handler?.onData(bytes));
    if (this.#pending === 0) {
      setImmediate(() => {
        this.#pending = 0;
        if (this.#needDrain && !this.closed) {
          this.#needDrain = false;
          this.handler?.onDrain();
        }
      });
    }
    this.#pending += bytes.length;
    if (this.#pending < this.highWaterMark) return true;
    this.#needDrain = true;
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => {
      this.handler?.onClose();
      this.peer.close();
    });
  }
}

export function memoryPair(): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport();
  const b = new MemoryTransport();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Lets queued microtasks and I/O callbacks run. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
