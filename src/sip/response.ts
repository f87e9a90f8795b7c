import type { HeaderField } from './header-field.js';
import { field, SipResponse, type SipRequest } from './message.js';
import { parseNameAddr } from './name-addr.js';
import { SipParseError } from './parse-error.js';
import { reasonPhrase } from './status-phrases.js';

/**
 * Whether a To value carries a tag header parameter. A ";tag=" inside the
 * <URI> or a quoted display name is not one; an unparsable To is treated as
 * tagged so nothing is appended to it.
 */
function hasTag(to: string): boolean {
  try {
    return parseNameAddr(to).params.has('tag');
  } catch (e) {
    if (e instanceof SipParseError) return true;
    throw e;
  }
}

export interface ResponseOptions {
  readonly reason?: string;
  /** To tag to add when the request's To has none (RFC 3261 §8.2.6.2). */
  readonly toTag?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Uint8Array;
}

/**
 * Builds a response to `req` per RFC 3261 §8.2.6.2: Via (all values, in
 * order), From, Call-ID and CSeq copied; To copied, with a tag added when
 * it had none and `toTag` is given (a 100 Trying never gets one, §8.2.6.1).
 * Works from the raw header lines, so it also answers requests whose other
 * headers are malformed.
 */
export function createResponse(req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  return responseFromFields(req.headers, status, opts);
}

export function responseFromFields(
  headers: readonly HeaderField[],
  status: number,
  opts: ResponseOptions = {},
): SipResponse {
  const out: HeaderField[] = [];
  for (const h of headers) {
    switch (h.key) {
      case 'via':
      case 'from':
      case 'call-id':
      case 'cseq':
        out.push(h.raw !== undefined ? h : field(h.name, h.value));
        break;
      case 'to':
        if (opts.toTag !== undefined && status > 100 && !hasTag(h.value)) {
          out.push(field('To', `${h.value};tag=${opts.toTag}`));
        } else out.push(h);
        break;
      case 'timestamp':
        // RFC 3261 §8.2.6.1: a 100 response copies Timestamp.
        if (status === 100) out.push(h);
        break;
    }
  }
  for (const [n, v] of opts.headers ?? []) out.push(field(n, v));
  return new SipResponse(status, opts.reason ?? reasonPhrase(status), out, opts.body);
}
