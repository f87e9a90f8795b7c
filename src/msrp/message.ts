// MSRP requests and responses (RFC 4975 §9). Header fields keep their
// wire spelling and order so a message serializes back byte for byte and a
// relay forwards what it did not change; typed values are read on demand
// through header-values.ts.

/** RFC 4975 §7.1: "$" ends a message, "+" more chunks follow, "#" the message was aborted. */
export type ContinuationFlag = '$' | '+' | '#';

export class MsrpHeaders {
  readonly names: string[];
  readonly values: string[];

  /** Takes the arrays as they are (no copy): the caller must not keep using them. */
  constructor(names: string[] = [], values: string[] = []) {
    if (names.length !== values.length) throw new Error('header names and values differ in number');
    this.names = names;
    this.values = values;
  }

  static of(fields: ReadonlyArray<readonly [string, string]>): MsrpHeaders {
    const h = new MsrpHeaders();
    for (const [n, v] of fields) h.append(n, v);
    return h;
  }

  get size(): number {
    return this.names.length;
  }

  /** First value of a header; names compare case-insensitively (ABNF quoted strings). */
  get(name: string): string | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  getAll(name: string): string[] {
    const out: string[] = [];
    const l = name.toLowerCase();
    for (let i = 0; i < this.names.length; i++) if (this.names[i]!.toLowerCase() === l) out.push(this.values[i]!);
    return out;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  indexOf(name: string): number {
    const names = this.names;
    // Fast path: senders nearly always use the canonical spelling.
    for (let i = 0; i < names.length; i++) if (names[i] === name) return i;
    const l = name.toLowerCase();
    for (let i = 0; i < names.length; i++) if (names[i]!.toLowerCase() === l) return i;
    return -1;
  }

  append(name: string, value: string): this {
    this.names.push(name);
    this.values.push(value);
    return this;
  }

  /** Replaces the first field of that name in place, or appends it. */
  set(name: string, value: string): this {
    const i = this.indexOf(name);
    if (i < 0) return this.append(name, value);
    this.values[i] = value;
    return this;
  }

  remove(name: string): this {
    for (let i = this.indexOf(name); i >= 0; i = this.indexOf(name)) {
      this.names.splice(i, 1);
      this.values.splice(i, 1);
    }
    return this;
  }

  clone(): MsrpHeaders {
    return new MsrpHeaders(this.names.slice(), this.values.slice());
  }
}

export interface MsrpRequest {
  readonly kind: 'request';
  readonly transactionId: string;
  /** Case-sensitive upper-case method: SEND, REPORT, AUTH (RFC 4976) or an extension. */
  readonly method: string;
  readonly headers: MsrpHeaders;
  /**
   * The data of the chunk. `undefined` for a bodiless request, which is not
   * the same as an empty body (RFC 4975 §7.1: "Bodiless requests are distinct
   * from requests with empty bodies").
   */
  readonly body: Uint8Array | undefined;
  readonly flag: ContinuationFlag;
}

export interface MsrpResponse {
  readonly kind: 'response';
  readonly transactionId: string;
  readonly status: number;
  readonly comment: string | undefined;
  readonly headers: MsrpHeaders;
  /** Always "$" from a conforming sender (RFC 4975 §7.2); kept as received. */
  readonly flag: ContinuationFlag;
}

export type MsrpMessage = MsrpRequest | MsrpResponse;

export function msrpRequest(
  transactionId: string,
  method: string,
  headers: MsrpHeaders,
  body?: Uint8Array,
  flag: ContinuationFlag = '$',
): MsrpRequest {
  return { kind: 'request', transactionId, method, headers, body, flag };
}

export function msrpResponse(transactionId: string, status: number, comment: string | undefined, headers: MsrpHeaders): MsrpResponse {
  return { kind: 'response', transactionId, status, comment, headers, flag: '$' };
}
