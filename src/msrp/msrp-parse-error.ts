// The one error type of the MSRP codec. `status` is the MSRP status code a
// receiver answers with when it can still frame the request (RFC 4975 §10:
// 400 for an unintelligible request, 413 for a frame over our limits).

export class MsrpParseError extends Error {
  constructor(
    readonly reason: string,
    readonly status: number = 400,
  ) {
    super(reason);
    this.name = 'MsrpParseError';
  }
}
