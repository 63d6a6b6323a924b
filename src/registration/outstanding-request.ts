/**
 * One request sent to a peer and waiting for its answer, with a response
 * timer of its own: the answer (end()) or the timeout, whichever comes first,
 * ends the wait, and the other then finds nothing. A BVLC-Result carries no
 * request id, so a manager keeps one of these per kind of request it sends.
 */
import { Clock, TimerHandle } from '../util/clock';

export class OutstandingRequest<T> {
  private request: T | null = null;
  private timer: TimerHandle | null = null;
  private waiters: (() => void)[] = [];

  /** `onTimeout` gets the request whose wait ran out; it is no longer current then, so the handler may begin the next. */
  constructor(
    private readonly clock: Clock,
    private readonly onTimeout: (request: T) => void,
  ) {}

  /** The request waiting for its answer, or null. */
  get current(): T | null {
    return this.request;
  }

  /** Waits up to `timeoutMs` for the answer to `request`; one still waiting is ended first (without a timeout). */
  begin(request: T, timeoutMs: number): void {
    this.end();
    this.request = request;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      const timedOut = this.end();
      if (timedOut !== null) this.onTimeout(timedOut);
    }, timeoutMs);
  }

  /** Ends the wait (the answer came, the send failed, or the owner gives up): returns the request, or null when none waited. */
  end(): T | null {
    const request = this.request;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.request = null;
    if (request !== null) for (const wake of this.waiters.splice(0)) wake();
    return request;
  }

  /** Resolves when the request waiting now ends, times out or is replaced; at once when none waits. */
  idle(): Promise<void> {
    if (this.request === null) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
