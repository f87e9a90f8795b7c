// Receiving side of chunking (RFC 4975 §7.3.1): chunks of one Message-ID go
// into a virtual buffer by Byte-Range, in any order, overlapping or
// duplicated; "the last chunk received SHOULD take precedence".
import type { ByteRange } from './byte-range.js';
import { IntervalSet } from './interval-set.js';
import type { ContinuationFlag } from './message.js';
import { MsrpParseError } from './msrp-parse-error.js';

export type ReassemblyState = 'incomplete' | 'complete' | 'aborted';

/** A too-large message: status 413 (RFC 4975 §10.5). */
export class MessageTooLargeError extends MsrpParseError {
  constructor(reason: string) {
    super(reason, 413);
  }
}

export class MessageReassembly {
  readonly messageId: string;
  readonly #maxSize: number;
  #total: number | undefined;
  readonly #have = new IntervalSet();
  /** Preallocated when the total is known; otherwise pieces in arrival order. */
  #buffer: Uint8Array | undefined;
  #pieces: Array<{ at: number; data: Uint8Array }> = [];
  #state: ReassemblyState = 'incomplete';
  #result: Uint8Array | undefined;

  constructor(messageId: string, maxSize = Number.MAX_SAFE_INTEGER) {
    this.messageId = messageId;
    this.#maxSize = maxSize;
  }

  get state(): ReassemblyState {
    return this.#state;
  }

  get total(): number | undefined {
    return this.#total;
  }

  get receivedBytes(): number {
    return this.#have.size;
  }

  /**
   * Places one chunk. `range` may be absent only on a first chunk (RFC 4975
   * §7.1.1: "The first chunk of the message SHOULD ... include a Byte-Range").
   * Throws MessageTooLargeError (413) past the size limit, MsrpParseError
   * (400) on an inconsistent total.
   */
  add(range: ByteRange | undefined, data: Uint8Array, flag: ContinuationFlag): ReassemblyState {
    if (this.#state !== 'incomplete') return this.#state;
    if (flag === '#') {
      // RFC 4975 §7.1: "#" means the sender aborted the message and sends no more chunks.
      this.#state = 'aborted';
      this.#buffer = undefined;
      this.#pieces = [];
      return this.#state;
    }
    const at = (range?.start ?? 1) - 1;
    // RFC 4975 §7.3.1: "The receiver SHOULD determine the actual length of
    // each chunk by inspecting the payload itself".
    const end = at + data.length;
    let total = range && range.total !== '*' ? range.total : undefined;
    // "the chunk that has a termination character of "$" defines the total length"
    if (flag === '$') total = end;
    if (total !== undefined) {
      if (this.#total !== undefined && this.#total !== total) {
        throw new MsrpParseError(`Byte-Range total changed from ${this.#total} to ${total}`);
      }
      if (total > this.#maxSize) throw new MessageTooLargeError(`message of ${total} octets exceeds ${this.#maxSize}`);
      this.#total = total;
    }
    if (end > this.#maxSize) throw new MessageTooLargeError(`message exceeds ${this.#maxSize} octets`);
    if (this.#total !== undefined && end > this.#total) throw new MsrpParseError('chunk beyond the message total');

    if (at === 0 && flag === '$' && this.#have.size === 0) {
      // The whole message in one chunk: keep the view, no copy.
      this.#have.add(0, end);
      this.#result = data;
      this.#state = 'complete';
      return this.#state;
    }
    if (this.#total !== undefined && !this.#buffer) {
      this.#buffer = new Uint8Array(this.#total);
      for (const p of this.#pieces) this.#buffer.set(p.data, p.at);
      this.#pieces = [];
    }
    if (this.#buffer) this.#buffer.set(data, at);
    // Pieces may be views into the receive buffer; copy, they outlive it.
    else this.#pieces.push({ at, data: data.slice() });
    this.#have.add(at, end);
    if (this.#total !== undefined && this.#have.coversAll(this.#total)) {
      this.#result = this.#buffer ?? new Uint8Array(0);
      this.#buffer = undefined;
      this.#state = 'complete';
    }
    return this.#state;
  }

  /** The reassembled message once complete. */
  get body(): Uint8Array {
    if (this.#state !== 'complete' || !this.#result) throw new Error('message not complete');
    return this.#result;
  }
}

/**
 * A message that arrives whole in its first chunk (first octet at 1, flag
 * "$"): the same checks as MessageReassembly.add() makes for it, without
 * keeping any state. Returns the body (a view, not a copy).
 */
export function wholeMessage(data: Uint8Array, maxSize = Number.MAX_SAFE_INTEGER): Uint8Array {
  // "the chunk that has a termination character of "$" defines the total length"
  if (data.length > maxSize) throw new MessageTooLargeError(`message of ${data.length} octets exceeds ${maxSize}`);
  return data;
}
