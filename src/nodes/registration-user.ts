/**
 * What a flow node and its bacnet-bbmd config node say to each other, and the
 * one mapping from registration state to a node status dot.
 */
import type { NodeStatus } from 'node-red';
import type { FdSnapshot, RegistrationState } from '../registration/types';
import type { NpduListener, RegistrationLease } from '../registration/registration-table';
import type { BacnetClient } from '../client/bacnet-client';

/** A flow node that uses a bacnet-bbmd config node. */
export interface RegistrationUser {
  /**
   * The registration changed (also called once with the current snapshot when the user is
   * attached); `status` is its status dot, translated by the config node.
   */
  onSnapshot(snapshot: FdSnapshot, status: NodeStatus): void;
}

/** The runtime side of a bacnet-bbmd config node, as flow nodes see it. */
export interface BbmdConfigNode {
  /** Attaches a user: the first one binds the socket and starts registering. */
  addUser(user: RegistrationUser): void;
  /**
   * Detaches a user. The last one, when `removed` (not merely restarted by a deploy),
   * deregisters and releases the socket. Resolves when that is done.
   */
  removeUser(user: RegistrationUser, removed?: boolean): Promise<void>;
  /** The registration, once the socket is bound (waits for a bind in progress); rejects with the bind or settings error. */
  lease(): Promise<RegistrationLease>;
  /** The current snapshot (a synthetic one while binding or after a bind error). */
  snapshot(): FdSnapshot;
  /**
   * Receives every NPDU routed to this registration (Forwarded-NPDUs from its BBMD,
   * unicasts and local broadcasts on its endpoint), across bind retries. Returns the
   * function that stops it.
   */
  addReceiver(listener: NpduListener): () => void;
  /** "host:port" of the BBMD, for messages. */
  readonly label: string;
  /** Reads and writes points through this registration (read it through useClient() first). */
  readonly client: BacnetClient;
  /** Marks the client in use (the device table then takes this registration's I-Ams) and returns it. */
  useClient(): BacnetClient;
}

const FILL: Record<RegistrationState, NodeStatus['fill']> = {
  registered: 'green',
  registering: 'yellow',
  rejected: 'red',
  unreachable: 'red',
  stopped: 'grey',
};

/**
 * Status for a state: green dot registered, yellow dot registering, red
 * rejected/unreachable, grey ring stopped. `text` is translated by the caller.
 */
export function statusFor(snapshot: FdSnapshot, text: (key: string) => string): NodeStatus {
  const state = snapshot.state;
  return {
    fill: FILL[state],
    shape: state === 'stopped' ? 'ring' : 'dot',
    text: text(`status.${state}`),
  };
}
