// MSRP serializer (RFC 4975 §9): the inverse of parser.ts. Returns the frame
// as parts so transports can write a large body without copying it; a frame
// with a small body (or none) is one part. serializeMsrpMessage() joins the
// parts when one buffer is wanted.
import { concatBytes, utf8Encode } from '../formats/bytes.js';
import type { MsrpMessage } from './message.js';
import { encodeFrame } from './wire-encode.js';

/** Bodies up to this size are copied into the frame: one buffer costs less than three. */
const COPY_BODY_LIMIT = 16 * 1024;

export function serializeMsrpParts(m: MsrpMessage): Uint8Array[] {
  let head =
    m.kind === 'request'
      ? 'MSRP ' + m.transactionId + ' ' + m.method + '\r\n'
      : 'MSRP ' + m.transactionId + ' ' + m.status + (m.comment !== undefined ? ' ' + m.comment : '') + '\r\n';
  const { names, values } = m.headers;
  for (let i = 0; i < names.length; i++) head += names[i] + ': ' + values[i] + '\r\n';
  const endLine = '-------' + m.transactionId + m.flag + '\r\n';
  if (m.kind === 'request' && m.body !== undefined) {
    // RFC 4975 §7.1: the body is separated from the headers by an extra CRLF,
    // and "the end-line MUST be preceded by a CRLF that is not part of the body".
    if (m.body.length <= COPY_BODY_LIMIT) return [encodeFrame(head + '\r\n', m.body, '\r\n' + endLine)];
    return [utf8Encode(head + '\r\n'), m.body, utf8Encode('\r\n' + endLine)];
  }
  return [encodeFrame(head, undefined, endLine)];
}

export function serializeMsrpMessage(m: MsrpMessage): Uint8Array {
  const parts = serializeMsrpParts(m);
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}
