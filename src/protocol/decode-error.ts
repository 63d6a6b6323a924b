/**
 * The one error a decoder in this package throws.
 *
 * Every decoder (BVLL, B/IP address, NPDU, the few APDUs we read) checks a
 * length before each read and reports what was wrong with this class, so a
 * caller that receives datagrams from the network needs exactly one
 * `instanceof DecodeError` test to tell "bad input, count it and drop it" from
 * a bug. Nothing else escapes a decoder.
 */
export class DecodeError extends Error {
  /** Offset in the input where the problem was found (best effort). */
  readonly offset: number;

  constructor(message: string, offset = 0) {
    super(message);
    this.name = 'DecodeError';
    this.offset = offset;
  }
}
