/**
 * Who gets a decoded datagram on one endpoint, by its UDP source. Pure: no
 * socket, no timers.
 * - BVLC-Results and Read-FDT/Read-BDT Acks go to the manager of the BBMD they
 *   came from (from nobody's BBMD: to every manager, which counts them as
 *   spoofed and ignores them);
 * - a Forwarded-NPDU from a BBMD goes to the receivers registered with that BBMD,
 *   except where its origin is our own address there (the BBMD echoing our own
 *   broadcast); from nobody's BBMD it is counted as spoofed and goes nowhere;
 * - every other NPDU (unicast replies, Original-Broadcast) goes to every receiver.
 * Malformed datagrams are counted for those they would have gone to, and dropped.
 */
import { BipAddress, sameBipAddress } from '../protocol/address';
import { ReceivedNpdu, copyReceived } from '../protocol/received-npdu';
import type { ForeignDeviceManager } from '../registration/foreign-device';
import type { ListenerList } from '../util/listener-list';
import type { Datagram } from './datagram';

/** What the router uses of a registration's manager. */
export type RoutedManager = Pick<ForeignDeviceManager, 'counters' | 'isFromBbmd' | 'addressSeenByBbmd' | 'handleFrame'>;

/** A registration as the router sees it: its manager and the receivers of what is routed to it. */
export interface Route {
  readonly manager: RoutedManager;
  readonly receivers: ListenerList<ReceivedNpdu>;
}

export class DatagramRouter {
  /** Datagrams that could not be decoded (frame, NPDU header or APDU). */
  malformed = 0;

  /** `routes.list`: the endpoint's registrations now (read once per datagram). */
  constructor(private readonly routes: { readonly list: readonly Route[] }) {}

  route(datagram: Datagram, from: BipAddress): void {
    switch (datagram.kind) {
      case 'malformed':
        this.countMalformed(this.managersFor(from));
        return;
      case 'answer':
        for (const route of this.managersFor(from)) route.manager.handleFrame(datagram.frame, from);
        return;
      case 'npdu':
        if (datagram.origin === null) this.toEveryone(datagram.received);
        else this.forwarded(datagram.received, datagram.origin, from);
        return;
      case 'ignored':
        return;
    }
  }

  private toEveryone(received: ReceivedNpdu | null): void {
    const everyone = this.routes.list;
    if (received) deliver(everyone, received);
    else this.countMalformed(everyone);
  }

  /** A Forwarded-NPDU, to the receivers of the BBMDs it came from. */
  private forwarded(received: ReceivedNpdu | null, origin: BipAddress, from: BipAddress): void {
    const routes = this.routes.list;
    // Nearly always one registration on the endpoint: found without building a list.
    let forwarders = 0;
    for (let i = 0; i < routes.length; i++) if (routes[i].manager.isFromBbmd(from)) forwarders++;
    // Not a broadcast we asked for: counted, like any other spoofed frame.
    if (forwarders === 0) {
      for (const route of routes) route.manager.counters.spoofed++;
      return;
    }
    let audience = forwarders === routes.length ? routes : routes.filter((route) => route.manager.isFromBbmd(from));
    // Our own broadcast sent back to us: the flows sent it themselves, so they do not get it again.
    if (audience.some((route) => isOwnAddress(route, origin))) {
      audience = audience.filter((route) => !isOwnAddress(route, origin));
      if (audience.length === 0) return;
    }
    if (received) deliver(audience, received);
    else this.countMalformed(audience);
  }

  private countMalformed(audience: readonly Route[]): void {
    this.malformed++;
    for (const route of audience) route.manager.counters.malformed++;
  }

  /** The managers whose BBMD sent this, or every manager when it came from none of them. */
  private managersFor(from: BipAddress): readonly Route[] {
    const own = this.routes.list.filter((route) => route.manager.isFromBbmd(from));
    return own.length > 0 ? own : this.routes.list;
  }
}

/** True when `address` is the one `route`'s BBMD knows us by (our FDT entry's). */
function isOwnAddress(route: Route, address: BipAddress): boolean {
  const own = route.manager.addressSeenByBbmd;
  return own !== null && sameBipAddress(own, address);
}

/** To the receivers of every registration in `audience`: the first receiver gets `received`, every other one a copy. */
function deliver(audience: readonly Route[], received: ReceivedNpdu): void {
  for (let i = 0; i < audience.length; i++) {
    const route = audience[i];
    route.manager.counters.received++;
    // A receiver's bug must not stop delivery to the others or reach the socket.
    route.receivers.emit(i === 0 ? received : copyReceived(received), undefined, copyReceived);
  }
}
