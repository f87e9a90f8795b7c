// RFC 4975 §10 and RFC 4976 §11 status codes with their usual phrases.

export const MSRP_STATUS_PHRASES: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  408: 'Request Timeout',
  413: 'Message Too Large',
  415: 'Unsupported Media Type',
  423: 'Interval Out-of-Bounds',
  481: 'Session Does Not Exist',
  501: 'Not Implemented',
  506: 'Session Already Bound',
};

export function msrpStatusPhrase(status: number): string {
  return MSRP_STATUS_PHRASES[status] ?? 'Unknown';
}

/** RFC 4975 §7.1.1: the sender times a transaction out after 30 s. */
export const MSRP_TRANSACTION_TIMEOUT_MS = 30_000;

/** RFC 4975 §7.1.1: chunks above this size must be interruptible (range-end "*"). */
export const MSRP_MAX_UNINTERRUPTIBLE_CHUNK = 2048;

/** RFC 4975 §15.4: the registered MSRP port. */
export const MSRP_DEFAULT_PORT = 2855;
