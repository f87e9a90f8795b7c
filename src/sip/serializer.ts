import { utf8Encode, concatBytes } from '../formats/bytes.js';
import type { SipMessage } from './message.js';

/**
 * Serializes a message (RFC 3261 §7). Header lines received from the wire
 * are printed as received (raw), lines set by code as `Name: value`.
 * Content-Length always states the body length (RFC 3261 §20.14: required
 * on streams), whether or not the message had one.
 */
export function serializeMessage(m: SipMessage): Uint8Array {
  const head = utf8Encode(headText(m));
  return m.body.length === 0 ? head : concatBytes([head, m.body]);
}

/** The start line and headers, ending with the empty line. */
export function headText(m: SipMessage): string {
  let s = m.kind === 'request' ? `${m.method} ${m.uriString} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  const len = m.body.length;
  let sawLength = false;
  for (const h of m.headers) {
    if (h.key === 'content-length') {
      if (sawLength) continue;
      sawLength = true;
      if (h.value !== String(len)) {
        s += `${h.name}: ${len}\r\n`;
        continue;
      }
    }
    s += h.raw !== undefined ? h.raw + '\r\n' : `${h.name}: ${h.value}\r\n`;
  }
  if (!sawLength) s += `Content-Length: ${len}\r\n`;
  return s + '\r\n';
}
