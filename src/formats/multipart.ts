import { concatBytes, indexOfBytes, utf8Decode, utf8Encode } from './bytes.js';

/**
 * multipart/* bodies (RFC 2046 §5.1), as SIP carries them for URI lists
 * (RFC 5365, RFC 5366) and signed messages (RFC 4475 mpart01). Pure: bytes
 * in, parts out, and back. Part bodies stay bytes: a part may be binary
 * (Content-Transfer-Encoding: binary) with NUL, bare CR and bare LF.
 */

export class MultipartError extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.name = 'MultipartError';
    this.reason = reason;
  }
}

export interface PartHeader {
  readonly name: string;
  readonly value: string;
}

/** A part's header fields in order; names compare case-insensitively (RFC 2045 §3). */
export class PartHeaders {
  readonly list: readonly PartHeader[];

  constructor(list: readonly PartHeader[] = []) {
    this.list = list;
  }

  /** The first value of the field, or undefined. */
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    for (const h of this.list) if (h.name.toLowerCase() === n) return h.value;
    return undefined;
  }

  getAll(name: string): string[] {
    const n = name.toLowerCase();
    return this.list.filter((h) => h.name.toLowerCase() === n).map((h) => h.value);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

export interface MultipartPart {
  readonly headers: PartHeaders;
  readonly body: Uint8Array;
}

/** A part to build: headers as name/value pairs (printed in order) and the body. */
export interface PartInput {
  readonly headers: ReadonlyArray<readonly [string, string]> | PartHeaders;
  readonly body: Uint8Array;
}

const CRLF = new Uint8Array([13, 10]);
const DASH = 45;

function isLwsp(c: number | undefined): boolean {
  return c === 32 || c === 9;
}

/**
 * After "--boundary" at `at` (its first octet past the boundary), tells
 * whether this is a delimiter line: "--" (close delimiter) or
 * transport-padding then CRLF. Returns the index past the line's CRLF (or
 * past "--" for the close delimiter), with `close` set; null when the octets
 * only start with the boundary text.
 */
function delimiterEnd(b: Uint8Array, at: number): { next: number; close: boolean } | null {
  if (b[at] === DASH && b[at + 1] === DASH) return { next: at + 2, close: true };
  let i = at;
  // RFC 2046 §5.1.1: transport-padding := *LWSP-char, then CRLF.
  while (isLwsp(b[i])) i++;
  if (b[i] === 13 && b[i + 1] === 10) return { next: i + 2, close: false };
  // A delimiter at the very end of the body without its CRLF: tolerate it.
  if (i === b.length) return { next: i, close: false };
  return null;
}

/**
 * Splits a multipart body at `boundary` (RFC 2046 §5.1.1): the preamble
 * before the first dash-boundary and the epilogue after the close delimiter
 * are ignored; each delimiter is CRLF "--" boundary, so the CRLF before it
 * belongs to the delimiter, not to the part. Throws MultipartError when the
 * first boundary or the close delimiter is missing.
 */
export function parseMultipart(body: Uint8Array, boundary: string): MultipartPart[] {
  if (boundary.length === 0 || boundary.length > 70) throw new MultipartError('boundary must be 1 to 70 characters');
  const dashBoundary = utf8Encode('--' + boundary);
  const delimiter = concatBytes([CRLF, dashBoundary]);

  // The first dash-boundary starts the body or follows the preamble's CRLF.
  let first = startsWith(body, dashBoundary, 0) ? delimiterEnd(body, dashBoundary.length) : null;
  for (let at = 0; first === null; ) {
    const hit = indexOfBytes(body, delimiter, at);
    if (hit === -1) throw new MultipartError(`no boundary "${boundary}" in the body`);
    first = delimiterEnd(body, hit + delimiter.length);
    at = hit + 1;
  }
  let { next, close } = first;

  const parts: MultipartPart[] = [];
  while (!close) {
    const partStart = next;
    let partEnd = -1;
    for (let at = partStart; ; ) {
      const hit = indexOfBytes(body, delimiter, at);
      if (hit === -1) throw new MultipartError('missing close delimiter');
      const d = delimiterEnd(body, hit + delimiter.length);
      if (d !== null) {
        partEnd = hit;
        next = d.next;
        close = d.close;
        break;
      }
      at = hit + 1;
    }
    parts.push(parsePart(body.subarray(partStart, partEnd)));
  }
  return parts;
}

function startsWith(b: Uint8Array, prefix: Uint8Array, at: number): boolean {
  if (at + prefix.length > b.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix[i]) return false;
  return true;
}

/** body-part := MIME-part-headers [CRLF *OCTET]; a part may have no headers at all. */
function parsePart(p: Uint8Array): MultipartPart {
  if (p[0] === 13 && p[1] === 10) return { headers: new PartHeaders(), body: p.subarray(2) };
  let end = -1;
  for (let i = p.indexOf(13); i !== -1 && i + 3 < p.length; i = p.indexOf(13, i + 1)) {
    if (p[i + 1] === 10 && p[i + 2] === 13 && p[i + 3] === 10) {
      end = i;
      break;
    }
  }
  if (end === -1) {
    // Headers only, no empty line: RFC 2046 allows a part without a body only
    // after an empty line, but a lone header block ending the part is clear enough.
    if (p.length >= 2 && p[p.length - 2] === 13 && p[p.length - 1] === 10) end = p.length - 2;
    else throw new MultipartError('part without an empty line after its headers');
    return { headers: parsePartHeaders(utf8Decode(p, 0, end)), body: p.subarray(p.length) };
  }
  return { headers: parsePartHeaders(utf8Decode(p, 0, end)), body: p.subarray(end + 4) };
}

/** RFC 822 style fields with folding (RFC 2045 §3 / RFC 5322 §2.2.3). */
function parsePartHeaders(text: string): PartHeaders {
  const out: PartHeader[] = [];
  const lines = text.split('\r\n');
  for (const line of lines) {
    if (line.length === 0) continue;
    if (isLwsp(line.charCodeAt(0))) {
      const last = out.pop();
      if (last === undefined) throw new MultipartError('part header starts with white space');
      out.push({ name: last.name, value: (last.value + ' ' + line.trim()).trim() });
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError(`part header line without a name: "${line.slice(0, 40)}"`);
    const name = line.slice(0, colon).trim();
    if (!/^[!-9;-~]+$/.test(name)) throw new MultipartError(`bad part header name "${name.slice(0, 40)}"`);
    out.push({ name, value: line.slice(colon + 1).trim() });
  }
  return new PartHeaders(out);
}

// RFC 2046 §5.1.1: bchars := bcharsnospace / " "; a boundary must not end with a space.
const BOUNDARY_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface BuildOptions {
  /** Use this boundary (it must not occur in any part). */
  readonly boundary?: string;
  /** Random source in [0, 1) for the generated boundary (tests inject one). */
  readonly random?: () => number;
}

/**
 * Builds a multipart body: "--boundary" CRLF, each part's headers, an empty
 * line, the part body, CRLF "--boundary" ... and the close delimiter
 * "--boundary--" CRLF. The boundary is chosen so that "--boundary" occurs in
 * no part (RFC 2046 §5.1.1: "the boundary delimiter MUST NOT appear inside
 * any of the encapsulated parts").
 */
export function buildMultipart(parts: readonly PartInput[], opts: BuildOptions = {}): { boundary: string; body: Uint8Array } {
  const encoded = parts.map((p) => ({ head: utf8Encode(headerText(p.headers)), body: p.body }));
  let boundary = opts.boundary;
  if (boundary !== undefined) {
    if (!isValidBoundary(boundary)) throw new MultipartError(`bad boundary "${boundary}"`);
    if (occursIn(encoded, boundary)) throw new MultipartError(`boundary "${boundary}" occurs inside a part`);
  } else {
    const random = opts.random ?? Math.random;
    do {
      let b = 'simpleim-';
      for (let i = 0; i < 24; i++) b += BOUNDARY_CHARS[Math.floor(random() * BOUNDARY_CHARS.length) % BOUNDARY_CHARS.length];
      boundary = b;
    } while (occursIn(encoded, boundary));
  }
  const dash = utf8Encode('--' + boundary);
  const chunks: Uint8Array[] = [];
  for (const p of encoded) {
    chunks.push(dash, CRLF, p.head, CRLF, p.body, CRLF);
  }
  chunks.push(dash, utf8Encode('--'), CRLF);
  return { boundary, body: concatBytes(chunks) };
}

function headerText(h: PartInput['headers']): string {
  const list = h instanceof PartHeaders ? h.list.map((x) => [x.name, x.value] as const) : h;
  let s = '';
  for (const [name, value] of list) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new MultipartError(`part header "${name}" contains CR or LF`);
    s += `${name}: ${value}\r\n`;
  }
  return s;
}

/** bchars of RFC 2046 §5.1.1, 1 to 70 of them, not ending in a space. */
export function isValidBoundary(b: string): boolean {
  return /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(b);
}

function occursIn(parts: ReadonlyArray<{ head: Uint8Array; body: Uint8Array }>, boundary: string): boolean {
  const needle = utf8Encode('--' + boundary);
  for (const p of parts) {
    if (indexOfBytes(p.head, needle) !== -1 || indexOfBytes(p.body, needle) !== -1) return true;
  }
  return false;
}
