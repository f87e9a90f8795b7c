import { parseMessage } from '../../src/sip/parser.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';

/** Builds a SIP message from lines (joined with CRLF, Content-Length added) and parses it. */
export function sipRequest(lines: readonly string[], body = ''): SipRequest {
  const text = lines.join('\r\n') + `\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` + body;
  const m = parseMessage(Buffer.from(text));
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

export function sipResponse(lines: readonly string[], body = ''): SipResponse {
  const text = lines.join('\r\n') + `\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` + body;
  const m = parseMessage(Buffer.from(text));
  if (m.kind !== 'response') throw new Error('not a response');
  return m;
}

let seq = 0;

export interface RegisterSpec {
  readonly user?: string;
  readonly domain?: string;
  readonly contacts?: readonly string[];
  readonly expires?: number;
  readonly callId?: string;
  readonly cseq?: number;
  readonly extra?: readonly string[];
}

export function register(s: RegisterSpec = {}): SipRequest {
  const user = s.user ?? 'alice';
  const domain = s.domain ?? 'example.com';
  const lines = [
    `REGISTER sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-reg${++seq}`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${domain}>;tag=f${seq}`,
    `To: <sip:${user}@${domain}>`,
    `Call-ID: ${s.callId ?? 'reg-call-1'}`,
    `CSeq: ${s.cseq ?? seq} REGISTER`,
  ];
  for (const c of s.contacts ?? [`<sip:${user}@127.0.0.1:5070>`]) lines.push(`Contact: ${c}`);
  if (s.expires !== undefined) lines.push(`Expires: ${s.expires}`);
  lines.push(...(s.extra ?? []));
  return sipRequest(lines);
}
