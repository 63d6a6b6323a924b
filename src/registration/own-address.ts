/**
 * The address the BBMD sees for us, the key of our entry in its Foreign Device
 * Table: the public (NAT) address when one is configured, else the bound
 * address, else the local address of the route to the BBMD.
 */
import type { BipAddress, PublicAddress } from '../protocol/address';
import type { FdTransport } from './types';

export class OwnAddress {
  private localSeen: BipAddress | null = null;

  constructor(
    private readonly transport: FdTransport,
    private readonly publicAddress: PublicAddress | null,
  ) {}

  get behindNat(): boolean {
    return this.publicAddress !== null;
  }

  /** Once known: the public address, else the local one found by find(). */
  get known(): BipAddress | null {
    return this.publicSeen() ?? this.localSeen;
  }

  /** Our local address for a snapshot: as found, else the bound one. */
  get local(): BipAddress {
    return this.localSeen ?? this.transport.boundAddress();
  }

  /** Finds it (once); `bbmd` is needed only when bound to 0.0.0.0 without a public address. */
  async find(bbmd: BipAddress | null): Promise<BipAddress> {
    const seen = this.publicSeen();
    if (seen) return seen;
    if (this.localSeen) return this.localSeen;
    const bound = this.transport.boundAddress();
    if (bound.address !== '0.0.0.0') {
      this.localSeen = bound;
    } else {
      if (bbmd === null) throw new Error('BBMD address not known yet');
      this.localSeen = await this.transport.localAddressFor(bbmd);
    }
    return this.localSeen;
  }

  /** The public address as the BBMD sees it, or null without one: no port given means the bound one. */
  private publicSeen(): BipAddress | null {
    const pub = this.publicAddress;
    if (pub === null) return null;
    return { address: pub.address, port: pub.port ?? this.transport.boundAddress().port };
  }
}
