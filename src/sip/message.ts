import { parseMediaType, type MediaType } from '../formats/media-type.js';
import { parseUint32, parseCSeq, type CSeq } from './cseq.js';
import type { HeaderField } from './header-field.js';
import { headerIdentity, headerKey, isListHeader } from './header-names.js';
import { parseContact, parseNameAddr, type ContactValue, type NameAddr } from './name-addr.js';
import { SipParseError } from './parse-error.js';
import { splitList } from './scan.js';
import { formatUri, parseUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

const EMPTY = new Uint8Array(0);

/**
 * What requests and responses share: an ordered list of header lines kept
 * as text, parsed into typed values only when read (reSIProcate-style lazy
 * parsing), and the body as raw bytes. Typed values are cached per header
 * key and dropped when that header changes.
 */
abstract class SipMessageBase {
  headers: HeaderField[];
  body: Uint8Array;
  private cache: Map<string, unknown> | undefined;

  constructor(headers: HeaderField[] = [], body: Uint8Array = EMPTY) {
    this.headers = headers;
    this.body = body;
  }

  // ---- raw access ---------------------------------------------------------

  has(name: string): boolean {
    const key = headerKey(name);
    for (const h of this.headers) if (h.key === key) return true;
    return false;
  }

  /** The value of the first line of this header, or undefined. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const h of this.headers) if (h.key === key) return h.value;
    return undefined;
  }

  /** The header lines' values, one per line (not split on commas). */
  getLines(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const h of this.headers) if (h.key === key) out.push(h.value);
    return out;
  }

  /**
   * All values of a header: list headers (RFC 3261 §7.3.1) are split on
   * top-level commas across every line; other headers give one value per line.
   */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const list = isListHeader(key);
    const out: string[] = [];
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (list) out.push(...splitList(h.value));
      else out.push(h.value);
    }
    return out;
  }

  /** Replaces every line of the header by one line with `value`, where the first one was (or at the end). */
  set(name: string, value: string): this {
    const { key, name: printed } = headerIdentity(name);
    const field: HeaderField = { name: printed, key, value };
    let at = -1;
    const kept: HeaderField[] = [];
    for (const h of this.headers) {
      if (h.key === key) {
        if (at === -1) at = kept.length;
      } else kept.push(h);
    }
    if (at === -1) kept.push(field);
    else kept.splice(at, 0, field);
    this.headers = kept;
    this.invalidate(key);
    return this;
  }

  /** Adds a header line after the existing ones. */
  append(name: string, value: string): this {
    const { key, name: printed } = headerIdentity(name);
    this.headers.push({ name: printed, key, value });
    this.invalidate(key);
    return this;
  }

  /** Adds a header line before the first line of the same header (e.g. a proxy's Via or Record-Route). */
  prepend(name: string, value: string): this {
    const { key, name: printed } = headerIdentity(name);
    const field: HeaderField = { name: printed, key, value };
    const i = this.headers.findIndex((h) => h.key === key);
    if (i === -1) this.headers.push(field);
    else this.headers.splice(i, 0, field);
    this.invalidate(key);
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    this.headers = this.headers.filter((h) => h.key !== key);
    this.invalidate(key);
    return this;
  }

  /**
   * Removes the first value of a list header: the whole first line if it
   * holds one value, else that value from the line (a proxy popping its Via
   * or a Route, RFC 3261 §16.4 / §16.7 step 3).
   */
  removeFirstValue(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.headers.findIndex((h) => h.key === key);
    if (i === -1) return undefined;
    const h = this.headers[i]!;
    const values = splitList(h.value);
    const first = values.shift()!;
    if (values.length === 0) this.headers.splice(i, 1);
    else this.headers[i] = { name: h.name, key, value: values.join(', ') };
    this.invalidate(key);
    return first;
  }

  /**
   * Drops the parsed views of the headers (they are rebuilt when read
   * again). A transaction that only waits for retransmissions (RFC 3261
   * Timer J: 32 s on UDP) keeps its messages without their typed caches.
   */
  compact(): void {
    this.cache = undefined;
  }

  private invalidate(key: string): void {
    this.cache?.delete(key);
  }

  /** Parses and caches a typed view of a header. */
  protected typed<T>(key: string, parse: () => T): T {
    let c = this.cache;
    if (c === undefined) c = this.cache = new Map();
    else if (c.has(key)) return c.get(key) as T;
    const v = parse();
    c.set(key, v);
    return v;
  }

  private single(key: string, label: string): string {
    let found: string | undefined;
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (found !== undefined) throw new SipParseError(`more than one ${label} header`);
      found = h.value;
    }
    if (found === undefined) throw new SipParseError(`missing ${label} header`);
    return found;
  }

  // ---- typed accessors (throw SipParseError when malformed or missing) ---

  vias(): readonly Via[] {
    return this.typed('via', () => this.getAll('via').map(parseVia));
  }

  topVia(): Via {
    const v = this.vias()[0];
    if (!v) throw new SipParseError('missing Via header');
    return v;
  }

  from(): NameAddr {
    return this.typed('from', () => parseNameAddr(this.single('from', 'From')));
  }

  to(): NameAddr {
    return this.typed('to', () => parseNameAddr(this.single('to', 'To')));
  }

  callId(): string {
    return this.typed('call-id', () => this.single('call-id', 'Call-ID').trim());
  }

  cseq(): CSeq {
    return this.typed('cseq', () => parseCSeq(this.single('cseq', 'CSeq')));
  }

  /** Max-Forwards or undefined when absent (RFC 3261 §16.6 step 3 treats absent as 70). */
  maxForwards(): number | undefined {
    return this.typed('max-forwards', () => {
      const lines = this.getLines('max-forwards');
      if (lines.length === 0) return undefined;
      if (lines.length > 1) throw new SipParseError('more than one Max-Forwards header');
      const n = parseUint32(lines[0]!);
      if (n === undefined || n > 255) throw new SipParseError('bad Max-Forwards');
      return n;
    });
  }

  contacts(): readonly ContactValue[] {
    return this.typed('contact', () => this.getAll('contact').map(parseContact));
  }

  routes(): readonly NameAddr[] {
    return this.typed('route', () => this.getAll('route').map(parseNameAddr));
  }

  recordRoutes(): readonly NameAddr[] {
    return this.typed('record-route', () => this.getAll('record-route').map(parseNameAddr));
  }

  contentType(): MediaType | undefined {
    return this.typed('content-type', () => {
      const v = this.get('content-type');
      if (v === undefined) return undefined;
      try {
        return parseMediaType(v);
      } catch (e) {
        throw new SipParseError(`bad Content-Type: ${(e as Error).message}`);
      }
    });
  }

  /** Expires header as seconds, undefined when absent or not a 32-bit number. */
  expires(): number | undefined {
    const v = this.get('expires');
    return v === undefined ? undefined : parseUint32(v);
  }

  /** Option tags of Require / Supported / Proxy-Require / Unsupported, lower-cased. */
  optionTags(name: 'Require' | 'Supported' | 'Proxy-Require' | 'Unsupported'): string[] {
    return this.getAll(name).map((t) => t.toLowerCase());
  }

  /** Body decoded as UTF-8. */
  bodyText(): string {
    return new TextDecoder().decode(this.body);
  }
}

/** A SIP request, RFC 3261 §7.1. */
export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  method: string;
  private uriText: string;
  private parsedUri: Uri | undefined;

  constructor(method: string, uri: Uri | string, headers: HeaderField[] = [], body?: Uint8Array) {
    super(headers, body);
    this.method = method;
    if (typeof uri === 'string') this.uriText = uri;
    else {
      this.parsedUri = uri;
      this.uriText = formatUri(uri);
    }
  }

  /** The Request-URI, parsed (throws SipParseError when malformed). */
  get uri(): Uri {
    return (this.parsedUri ??= parseUri(this.uriText));
  }

  set uri(u: Uri) {
    this.parsedUri = u;
    this.uriText = formatUri(u);
  }

  /** The Request-URI exactly as written. */
  get uriString(): string {
    return this.uriText;
  }

  /** A copy that shares nothing mutable with this one (a proxy's branch, RFC 3261 §16.6 step 1). */
  clone(): SipRequest {
    return new SipRequest(this.method, this.parsedUri ?? this.uriText, this.headers.slice(), this.body);
  }
}

/** A SIP response, RFC 3261 §7.2. */
export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  status: number;
  reason: string;

  constructor(status: number, reason: string, headers: HeaderField[] = [], body?: Uint8Array) {
    super(headers, body);
    this.status = status;
    this.reason = reason;
  }

  clone(): SipResponse {
    return new SipResponse(this.status, this.reason, this.headers.slice(), this.body);
  }
}

export type SipMessage = SipRequest | SipResponse;

/** Builds a header field from code (no raw text: it prints as `Name: value`). */
export function field(name: string, value: string): HeaderField {
  const { key, name: printed } = headerIdentity(name);
  return { name: printed, key, value };
}
