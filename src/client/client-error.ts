/**
 * The sentences of CLIENT.md for a request that failed, naming the device,
 * the service, the object and property and the standard's names:
 * `device 2345 refused WriteProperty of analog-value:1 present-value:
 * property / write-access-denied`. `short` is what a node's status shows.
 */
import { ABORT_REASONS, ERROR_CLASSES, ERROR_CODES, REJECT_REASONS, nameOf } from '../protocol/names';
import type { TransactionFailure } from './transaction-error';

/** Which request failed, in words: "device 1201", its address, the service and "analog-input:3 present-value". */
export interface RequestWords {
  /** "device 1201" or "device 10.0.4.7:47808". */
  readonly device: string;
  /** "10.0.4.7:47808" when the device was named by instance, else null (the label already says it). */
  readonly address: string | null;
  readonly service: string;
  /** "analog-input:3 present-value" or "analog-value:1 priority-array[8]". */
  readonly what: string;
}

export class ClientError extends Error {
  constructor(
    message: string,
    /** For the node's status: "property/write-access-denied", "no answer", ... */
    readonly short: string,
    /** The transaction's failure, when the request reached the network. */
    readonly failure: TransactionFailure | null = null,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

/**
 * A request the device could never take, found before it was sent (the
 * wildcard Device instance in a write, a write longer than the device's
 * maxApdu): the nodes report it as bad input.
 */
export class ClientInputError extends ClientError {
  constructor(message: string) {
    super(message, 'bad input');
    this.name = 'ClientInputError';
  }
}

/** The error for a request that failed with `failure`. */
export function requestFailed(words: RequestWords, failure: TransactionFailure): ClientError {
  const { device, service, what } = words;
  switch (failure.kind) {
    case 'error': {
      const errorClass = nameOf(ERROR_CLASSES, failure.errorClass);
      const code = nameOf(ERROR_CODES, failure.errorCode);
      return new ClientError(`${device} refused ${service} of ${what}: ${errorClass} / ${code}`, `${errorClass}/${code}`, failure);
    }
    case 'reject': {
      const reason = nameOf(REJECT_REASONS, failure.reason);
      return new ClientError(`${device} rejected ${service} of ${what}: reject / ${reason}`, `reject/${reason}`, failure);
    }
    case 'abort': {
      const reason = nameOf(ABORT_REASONS, failure.reason);
      const who = failure.fromServer ? `${device} aborted ${service} of ${what}` : `${service} of ${what} aborted by us (answer from ${device})`;
      return new ClientError(`${who}: abort / ${reason}`, `abort/${reason}`, failure);
    }
    case 'timeout': {
      const where = words.address === null ? device : `${device} (${words.address})`;
      const tries = `${failure.tries} ${failure.tries === 1 ? 'try' : 'tries'}`;
      return new ClientError(`${where} did not answer ${service} of ${what} after ${tries}`, 'no answer', failure);
    }
    case 'busy':
      return new ClientError(`${device} busy (${failure.waiting} ${failure.waiting === 1 ? 'request' : 'requests'} waiting)`, 'busy', failure);
    case 'send':
      return new ClientError(`${service} of ${what} not sent to ${device}: ${failure.cause}`, 'not sent', failure);
    case 'closed':
      return new ClientError(`${service} of ${what} to ${device} ended: the BBMD config node closed`, 'closed', failure);
  }
}
