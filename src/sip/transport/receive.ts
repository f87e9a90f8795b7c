import { concatBytes, latin1Decode } from '../../formats/bytes.js';
import type { HeaderField } from '../header-field.js';
import type { SipMessage, SipResponse } from '../message.js';
import { SipParseError } from '../parse-error.js';
import { parseMessage } from '../parser.js';
import { responseFromFields } from '../response.js';
import { stampReceived } from './via-received.js';
import type { HostPort } from './types.js';

/** What the transport layer does with one received message. */
export type Receipt =
  /** Well-formed: hand it up. */
  | { readonly kind: 'message'; readonly message: SipMessage }
  /** A malformed request that can be answered statelessly with `response`. */
  | { readonly kind: 'reject'; readonly response: SipResponse; readonly error: SipParseError }
  /** Malformed and not answerable (a response, an ACK, or nothing to build an answer from). */
  | { readonly kind: 'drop'; readonly error: SipParseError }
  /** Only CRLF / white space: a keep-alive, not a message. */
  | { readonly kind: 'keepalive' };

/**
 * Parses one message as cut by its transport (a datagram, a WebSocket
 * message, or a message framed on a stream) and decides what to do with it.
 * `source` is the packet source; when given, a request's top Via gets
 * received/rport (RFC 3261 §18.2.1, RFC 3581 §4).
 */
export function receiveMessage(bytes: Uint8Array, source: HostPort | undefined, datagram: boolean): Receipt {
  if (isBlank(bytes)) return { kind: 'keepalive' };
  let message: SipMessage;
  try {
    message = parseMessage(bytes, { datagram });
  } catch (e) {
    return refuse(bytes, asParseError(e), source);
  }
  try {
    if (message.kind === 'request' && source !== undefined) stampReceived(message, source);
    // RFC 3261 §18.1.2 / §18.2.1 need the top Via; without a usable one the
    // message cannot be matched or answered through the normal path.
    else message.topVia();
  } catch (e) {
    const err = asParseError(e);
    err.headers ??= message.headers;
    return refuse(bytes, err, source);
  }
  return { kind: 'message', message };
}

/**
 * The answer to a message refused before it could be parsed whole (a stream
 * framing error): `head` is its start as far as it was read, `status` and
 * `reason` what to answer.
 */
export function refuseHead(head: Uint8Array, status: number, reason: string, source: HostPort | undefined): Receipt {
  return refuse(head, new SipParseError(reason, status, recoverFields(head)), source);
}

/**
 * RFC 3261 §18.1.2: a malformed response is discarded; §8.2 / §18.2.2: a
 * malformed request whose Via, From, To, Call-ID and CSeq could be split off
 * is answered, with the error's status and its reason as the phrase.
 */
function refuse(bytes: Uint8Array, error: SipParseError, source: HostPort | undefined): Receipt {
  const startLine = firstLine(bytes);
  if (/^sip\//i.test(startLine)) return { kind: 'drop', error };
  // RFC 3261 §17.2.1 / §8.2.6: an ACK is never answered.
  if (/^ACK /.test(startLine)) return { kind: 'drop', error };
  const fields = error.headers;
  if (fields === undefined || !hasAll(fields)) return { kind: 'drop', error };
  const response = responseFromFields(fields, error.status, { reason: phrase(error.reason) });
  if (source !== undefined) {
    try {
      stampReceived(response, source);
    } catch {
      // The Via is unusable: the transport answers to the source address.
    }
  }
  return { kind: 'reject', response, error };
}

const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];

function hasAll(fields: readonly HeaderField[]): boolean {
  return REQUIRED.every((k) => fields.some((h) => h.key === k));
}

/** Header lines recoverable from the complete lines of a truncated head. */
function recoverFields(head: Uint8Array): readonly HeaderField[] | undefined {
  let end = -1;
  for (let i = head.length - 2; i >= 0; i--) {
    if (head[i] === 13 && head[i + 1] === 10) {
      end = i;
      break;
    }
  }
  if (end === -1) return undefined;
  // Close the header block after the last complete line; the parser then
  // splits the lines (and reports its own error with them attached).
  const bytes = concatBytes([head.subarray(0, end + 2), new Uint8Array([13, 10])]);
  try {
    return parseMessage(bytes, { datagram: true }).headers;
  } catch (e) {
    return e instanceof SipParseError ? e.headers : undefined;
  }
}

/** A Reason-Phrase must not carry CR, LF or other control characters (RFC 3261 §25.1). */
function phrase(reason: string): string {
  return reason.replace(/[\x00-\x1f\x7f]+/g, ' ').trim() || 'Bad Request';
}

function firstLine(bytes: Uint8Array): string {
  let i = 0;
  while (i + 1 < bytes.length && bytes[i] === 13 && bytes[i + 1] === 10) i += 2;
  const limit = Math.min(bytes.length, i + 256);
  let e = i;
  while (e < limit && bytes[e] !== 13 && bytes[e] !== 10) e++;
  return latin1Decode(bytes, i, e);
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 13 && b !== 10 && b !== 32 && b !== 9 && b !== 0) return false;
  return true;
}

function asParseError(e: unknown): SipParseError {
  if (e instanceof SipParseError) return e;
  // The parser should throw nothing else; never let a bug stop the transport.
  return new SipParseError(`unparsable message: ${(e as Error)?.message ?? String(e)}`);
}
