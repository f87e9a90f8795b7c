/** One header line of a SIP message, kept as text until a typed accessor reads it. */
export interface HeaderField {
  /** Name as printed: the canonical long form for known headers, the wire spelling otherwise. */
  readonly name: string;
  /** Lower-case long form, the lookup key ('v' and 'Via' are both 'via'). */
  readonly key: string;
  /** The value with line folding replaced by one SP and surrounding white space trimmed. */
  readonly value: string;
  /**
   * The line exactly as received (without its CRLF), so a proxy re-emits the
   * headers it did not touch byte for byte. Absent for headers built locally.
   */
  readonly raw?: string;
}
