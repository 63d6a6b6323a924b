/**
 * The BBMD as one registration sees it: the configured host and port, and the
 * address the host resolves to. Each lookup is bounded and can be abandoned
 * (stop() leaves none behind, nor its timer); a new address is announced
 * before anything is sent to it.
 */
import { BipAddress, HostPort, isIPv4, isPort, sameBipAddress } from '../protocol/address';
import { RESOLVE_TIMEOUT_MS } from '../transport/resolver';
import { Clock } from '../util/clock';
import { describeValue } from '../util/describe-value';
import { asError, errorMessage } from '../util/errors';
import type { Resolver } from './types';

export class BbmdPeer {
  readonly host: string;
  readonly port: number;
  private current: string | null = null;
  /** Where frames go (see to()); never mutated, replaced when the address changes. */
  private target: BipAddress | null = null;
  /** The address last announced since forgetAnnounced(). */
  private announced: string | null = null;
  /** Lookups in flight, by their abandon(). */
  private readonly lookups = new Set<() => void>();

  /**
   * `announce` gets each new address before it is used, synchronously; false from it
   * means the address must not be used after all (the owner stopped meanwhile).
   * @throws TypeError/RangeError for a missing host or a bad port.
   */
  constructor(
    bbmd: HostPort,
    private readonly clock: Clock,
    private readonly resolver: Resolver,
    private readonly announce: (bbmd: BipAddress) => boolean,
  ) {
    if (typeof bbmd?.host !== 'string' || bbmd.host.length === 0) {
      throw new TypeError('BBMD host is required: an IPv4 address or a host name');
    }
    if (!isPort(bbmd.port)) throw new RangeError(`BBMD port must be an integer 1..65535, got ${describeValue(bbmd.port)}`);
    this.host = bbmd.host;
    this.port = bbmd.port;
    if (isIPv4(this.host)) this.current = this.host;
  }

  /** The address as last resolved (null before the first resolution of a host name). */
  get address(): string | null {
    return this.current;
  }

  get resolved(): BipAddress | null {
    return this.current === null ? null : { address: this.current, port: this.port };
  }

  /** The BBMD as last resolved (call only once it is): one object per address, not one per frame sent or received. */
  to(): BipAddress {
    const address = this.current as string;
    if (this.target === null || this.target.address !== address || this.target.port !== this.port) {
      this.target = { address, port: this.port };
    }
    return this.target;
  }

  /** True when `from` is the BBMD as last resolved. */
  isFrom(from: BipAddress): boolean {
    return this.current !== null && sameBipAddress(from, this.to());
  }

  /** host:port, with the resolved address when it differs from the host. */
  describe(): string {
    const resolved = this.current !== null && this.current !== this.host ? ` (${this.current})` : '';
    return `${this.host}:${this.port}${resolved}`;
  }

  /** Why a lookup failed, for a state's error or a rejection. */
  resolveFailure(err: unknown): string {
    return `cannot resolve BBMD host ${JSON.stringify(this.host)}: ${errorMessage(err)}`;
  }

  /** Why a send to the BBMD failed. */
  sendFailure(err: unknown): string {
    return `cannot send to BBMD ${this.describe()}: ${errorMessage(err)}`;
  }

  /** The host's address: at once for an IPv4 host, else looked up, bounded by RESOLVE_TIMEOUT_MS. */
  resolve(): Promise<string> {
    if (isIPv4(this.host)) return Promise.resolve(this.host);
    return new Promise<string>((resolve, reject) => {
      const settle = (error: Error | null, address = ''): void => {
        if (!this.lookups.delete(abandon)) return;
        this.clock.clearTimeout(timer);
        if (error) reject(error);
        else resolve(address);
      };
      const abandon = (): void => settle(new Error(`the registration with BBMD ${this.describe()} is stopping`));
      const timer = this.clock.setTimeout(() => settle(new Error(`no answer within ${RESOLVE_TIMEOUT_MS / 1000} s`)), RESOLVE_TIMEOUT_MS);
      this.lookups.add(abandon);
      this.resolver(this.host).then(
        (address) => settle(isIPv4(address) ? null : new Error(`resolved to ${JSON.stringify(address)}, not an IPv4 address`), address),
        (err: unknown) => settle(asError(err)),
      );
    });
  }

  /** Makes `address` the BBMD's, announcing it first when new. False: send nothing to it. */
  use(address: string): boolean {
    if (address !== this.announced) {
      this.announced = address;
      if (!this.announce({ address, port: this.port })) return false;
    }
    this.current = address;
    return true;
  }

  /** The next address used is announced, even when it is the last one. */
  forgetAnnounced(): void {
    this.announced = null;
  }

  /** Rejects every lookup in flight and clears its timer. */
  abandonLookups(): void {
    for (const abandon of [...this.lookups]) abandon();
  }
}
