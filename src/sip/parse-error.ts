import type { HeaderField } from './header-field.js';

/**
 * The one error type of the SIP codec. `reason` is what a 400 (or other
 * `status`) reason phrase shows; `headers` is whatever could be split off a
 * malformed message, so a server can still answer it statelessly
 * (RFC 3261 §8.2: a malformed request is answered, not dropped, when Via,
 * From, To, Call-ID and CSeq can be recovered).
 */
export class SipParseError extends Error {
  readonly reason: string;
  readonly status: number;
  headers: readonly HeaderField[] | undefined;

  constructor(reason: string, status = 400, headers?: readonly HeaderField[]) {
    super(reason);
    this.name = 'SipParseError';
    this.reason = reason;
    this.status = status;
    this.headers = headers;
  }
}
