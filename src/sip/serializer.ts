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
  const bytes = m.body.length === 0 ? head : concatBytes([head, m.body]);
  lastMessage = m;
  lastBytes = bytes;
  return bytes;
}

// The last serialization, so a transaction that just handed a final response
// to the transport can keep its bytes for retransmissions (RFC 3261 §17.2.2)
// without printing it a second time.
let lastMessage: SipMessage | undefined;
let lastBytes: Uint8Array | undefined;

/**
 * The bytes serializeMessage() returned for `m`, when `m` is the message it
 * printed last (and so cannot have changed since); forgets them either way.
 */
export function takeSerialized(m: SipMessage): Uint8Array | undefined {
  const bytes = lastMessage === m ? lastBytes : undefined;
  lastMessage = undefined;
  lastBytes = undefined;
  return bytes;
}

/**
 * Text set by code is printed on one line: a CR or LF in it (a display
 * name or reason taken from user input, say) would end the line and let the
 * rest pass for another header, so each run of them becomes one SP. Raw
 * lines need no check: the parser refused bare CR and LF, and CRLF followed
 * by white space is folding.
 */
function oneLine(s: string): string {
  return s.indexOf('\r') === -1 && s.indexOf('\n') === -1 ? s : s.replace(/[\r\n]+/g, ' ');
}

/** The start line and headers, ending with the empty line. */
export function headText(m: SipMessage): string {
  let s =
    m.kind === 'request'
      ? `${oneLine(m.method)} ${oneLine(m.uriString)} SIP/2.0\r\n`
      : `SIP/2.0 ${m.status} ${oneLine(m.reason)}\r\n`;
  const len = m.body.length;
  let sawLength = false;
  const headers = m.headers;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (h.key === 'content-length') {
      if (sawLength) continue;
      sawLength = true;
      if (h.value !== String(len)) {
        s += `${h.name}: ${len}\r\n`;
        continue;
      }
    }
    s += h.raw !== undefined ? h.raw + '\r\n' : `${oneLine(h.name)}: ${oneLine(h.value)}\r\n`;
  }
  if (!sawLength) s += `Content-Length: ${len}\r\n`;
  return s + '\r\n';
}
