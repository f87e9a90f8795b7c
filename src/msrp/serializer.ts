// MSRP serializer (RFC 4975 §9): the inverse of parser.ts. Returns the frame
// as parts (head, body, end-line) so transports can write the body without
// copying it; serializeMsrpMessage() joins them when one buffer is wanted.
import { concatBytes, utf8Encode } from '../formats/bytes.js';
import type { MsrpMessage } from './message.js';

export function serializeMsrpParts(m: MsrpMessage): Uint8Array[] {
  let head = m.kind === 'request' ? `MSRP ${m.transactionId} ${m.method}\r\n` : `MSRP ${m.transactionId} ${m.status}${m.comment !== undefined ? ' ' + m.comment : ''}\r\n`;
  const { names, values } = m.headers;
  for (let i = 0; i < names.length; i++) head += `${names[i]}: ${values[i]}\r\n`;
  const endLine = `-------${m.transactionId}${m.flag}\r\n`;
  if (m.kind === 'request' && m.body !== undefined) {
    // RFC 4975 §7.1: the body is separated from the headers by an extra CRLF,
    // and "the end-line MUST be preceded by a CRLF that is not part of the body".
    if (m.body.length === 0) return [utf8Encode(`${head}\r\n\r\n${endLine}`)];
    return [utf8Encode(head + '\r\n'), m.body, utf8Encode('\r\n' + endLine)];
  }
  return [utf8Encode(head + endLine)];
}

export function serializeMsrpMessage(m: MsrpMessage): Uint8Array {
  const parts = serializeMsrpParts(m);
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}
