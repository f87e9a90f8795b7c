// Typed readers for the header fields of RFC 4975 §9 and RFC 4976 §9, parsed
// when first read. The registry table names each field once.
import { parseByteRange, type ByteRange } from './byte-range.js';
import type { MsrpHeaders } from './message.js';
import { MsrpParseError } from './msrp-parse-error.js';
import { parseMsrpPath, type MsrpUri } from './uri.js';

export const MSRP_HEADER = {
  toPath: 'To-Path',
  fromPath: 'From-Path',
  messageId: 'Message-ID',
  successReport: 'Success-Report',
  failureReport: 'Failure-Report',
  byteRange: 'Byte-Range',
  status: 'Status',
  contentType: 'Content-Type',
  // RFC 4976 (relays)
  usePath: 'Use-Path',
  expires: 'Expires',
  minExpires: 'Min-Expires',
  maxExpires: 'Max-Expires',
  wwwAuthenticate: 'WWW-Authenticate',
  authorization: 'Authorization',
  authenticationInfo: 'Authentication-Info',
} as const;

export type FailureReport = 'yes' | 'no' | 'partial';

export interface MsrpStatus {
  /** "000": the code means what the same transaction response code means (RFC 4975 §7.1.3). */
  readonly namespace: string;
  readonly code: number;
  readonly comment: string | undefined;
}

function required(h: MsrpHeaders, name: string): string {
  const v = h.get(name);
  if (v === undefined) throw new MsrpParseError(`missing ${name}`);
  return v;
}

export function getToPath(h: MsrpHeaders): MsrpUri[] {
  return parseMsrpPath(required(h, 'To-Path'));
}

export function getFromPath(h: MsrpHeaders): MsrpUri[] {
  return parseMsrpPath(required(h, 'From-Path'));
}

export function getUsePath(h: MsrpHeaders): MsrpUri[] | undefined {
  const v = h.get('Use-Path');
  return v === undefined ? undefined : parseMsrpPath(v);
}

// RFC 4975 §9: ident = ALPHANUM 3*31ident-char
const IDENT = /^[A-Za-z0-9][A-Za-z0-9.\-+%=]{3,31}$/;

export function isIdent(s: string): boolean {
  return IDENT.test(s);
}

export function getMessageId(h: MsrpHeaders): string | undefined {
  const v = h.get('Message-ID');
  if (v === undefined) return undefined;
  const id = v.trim();
  if (!IDENT.test(id)) throw new MsrpParseError(`bad Message-ID: ${v}`);
  return id;
}

export function getByteRange(h: MsrpHeaders): ByteRange | undefined {
  const v = h.get('Byte-Range');
  return v === undefined ? undefined : parseByteRange(v);
}

/** RFC 4975 §7.1.1: a missing Success-Report is treated as "no". */
export function getSuccessReport(h: MsrpHeaders): boolean {
  const v = h.get('Success-Report');
  if (v === undefined) return false;
  const t = v.trim();
  if (t === 'yes') return true;
  if (t === 'no') return false;
  throw new MsrpParseError(`bad Success-Report: ${v}`);
}

/** RFC 4975 §7.1.1: a missing Failure-Report is treated as "yes". */
export function getFailureReport(h: MsrpHeaders): FailureReport {
  const v = h.get('Failure-Report');
  if (v === undefined) return 'yes';
  const t = v.trim();
  if (t === 'yes' || t === 'no' || t === 'partial') return t;
  throw new MsrpParseError(`bad Failure-Report: ${v}`);
}

export function getStatus(h: MsrpHeaders): MsrpStatus | undefined {
  const v = h.get('Status');
  if (v === undefined) return undefined;
  // RFC 4975 §9: Status = "Status:" SP namespace SP status-code [SP comment]
  const m = /^([0-9]{3}) ([0-9]{3})(?: (.*))?$/.exec(v.trim());
  if (!m) throw new MsrpParseError(`bad Status: ${v}`);
  return { namespace: m[1]!, code: Number(m[2]), comment: m[3] };
}

export function formatStatus(code: number, comment?: string): string {
  return comment ? `000 ${code} ${comment}` : `000 ${code}`;
}

export function getContentType(h: MsrpHeaders): string | undefined {
  return h.get('Content-Type')?.trim();
}

/** Expires / Min-Expires / Max-Expires (RFC 4976 §9), seconds. */
export function getSeconds(h: MsrpHeaders, name: 'Expires' | 'Min-Expires' | 'Max-Expires'): number | undefined {
  const v = h.get(name);
  if (v === undefined) return undefined;
  if (!/^\s*[0-9]{1,10}\s*$/.test(v)) throw new MsrpParseError(`bad ${name}: ${v}`);
  return Number(v);
}
