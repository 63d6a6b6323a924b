/**
 * Whatever was thrown or rejected, as an Error or as its message: a catch
 * clause gets `unknown`, and a promise may reject with anything.
 */

/** The thrown value's message: its `message` when it has one (an Error, or one from another realm), else the value as text. */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}

/** The thrown value itself when it is an Error, else an Error whose message is the value as text. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
