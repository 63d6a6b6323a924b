/**
 * Why a confirmed request failed, as a value the layers above turn into
 * CLIENT.md's sentences (they know the device, object and property; the
 * transaction layer knows only the destination and the invoke ID).
 */
import { ABORT_REASONS, ERROR_CLASSES, ERROR_CODES, REJECT_REASONS, nameOf } from '../protocol/names';

export type TransactionFailure =
  /** An Error-PDU: the device refused the service. */
  | { readonly kind: 'error'; readonly errorClass: number; readonly errorCode: number }
  | { readonly kind: 'reject'; readonly reason: number }
  /** An Abort-PDU from the device, or one we sent (segmentation trouble, a segment timeout). */
  | { readonly kind: 'abort'; readonly reason: number; readonly fromServer: boolean }
  /** No answer after every try. */
  | { readonly kind: 'timeout'; readonly tries: number }
  /** The device's queue was full, or the request waited in it for its whole time bound. */
  | { readonly kind: 'busy'; readonly waiting: number }
  /** The datagram could not be sent (the socket's error). */
  | { readonly kind: 'send'; readonly cause: string }
  /** The socket closed while the request was waiting or outstanding. */
  | { readonly kind: 'closed' };

export class TransactionError extends Error {
  constructor(readonly failure: TransactionFailure) {
    super(describeFailure(failure));
    this.name = 'TransactionError';
  }
}

/** "property / write-access-denied", "reject unrecognized-service", ...: the standard's names. */
export function describeFailure(failure: TransactionFailure): string {
  switch (failure.kind) {
    case 'error':
      return `${nameOf(ERROR_CLASSES, failure.errorClass)} / ${nameOf(ERROR_CODES, failure.errorCode)}`;
    case 'reject':
      return `reject ${nameOf(REJECT_REASONS, failure.reason)}`;
    case 'abort':
      return `abort ${nameOf(ABORT_REASONS, failure.reason)}`;
    case 'timeout':
      return `no answer after ${failure.tries} ${failure.tries === 1 ? 'try' : 'tries'}`;
    case 'busy':
      return `busy (${failure.waiting} requests waiting)`;
    case 'send':
      return `could not send: ${failure.cause}`;
    case 'closed':
      return 'the socket closed before the answer';
  }
}
