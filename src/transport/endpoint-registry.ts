/**
 * The shared endpoints: one UdpEndpoint per local (address, port), bound by its
 * first user, closed by its last, and the holds on registrations over them.
 */
import { FdLogger, validateTtl } from '../registration/types';
import type { RegistrationConfig, RegistrationLease } from '../registration/registration-table';
import { LocalEndpointConfig, endpointKey, validateLocalEndpoint } from './endpoint-config';
import { UdpEndpoint } from './udp-endpoint';

const endpoints = new Map<string, UdpEndpoint>();
/** Endpoints closing now: a new user of the same key waits, so a redeploy rebinds cleanly. */
const closing = new Map<string, Promise<void>>();
/** Endpoints binding now: concurrent users share the bind. */
const opening = new Map<string, Promise<UdpEndpoint>>();

/**
 * Takes a hold on the registration with `config.bbmd` over the shared endpoint
 * `config.local`, binding the socket if this is its first user and starting
 * the manager if this is its first user. Rejects with an EndpointError when
 * the socket cannot be bound (the message names the address, port and fix).
 */
export async function acquireRegistration(config: RegistrationConfig): Promise<RegistrationLease> {
  validateTtl(config.ttl);
  const endpoint = await acquireEndpoint(config.local, config.log);
  try {
    // The hold on the socket goes back with the hold on the registration.
    return await endpoint.acquireRegistration(config, () => releaseEndpoint(endpoint));
  } catch (err) {
    await releaseEndpoint(endpoint);
    throw err;
  }
}

/** Takes a hold on the shared endpoint for `config`, binding it if needed. */
export async function acquireEndpoint(config: LocalEndpointConfig, log?: FdLogger): Promise<UdpEndpoint> {
  validateLocalEndpoint(config);
  const key = endpointKey(config);
  for (;;) {
    const pendingClose = closing.get(key);
    if (pendingClose) {
      await pendingClose;
      continue;
    }
    const pendingOpen = opening.get(key);
    if (pendingOpen) {
      const endpoint = await pendingOpen;
      // Another user bound it meanwhile: take our own reference on it.
      if (endpoints.get(key) !== endpoint) continue;
      await endpoint.open();
      return endpoint;
    }
    const existing = endpoints.get(key);
    if (existing) {
      await existing.open();
      return existing;
    }
    const endpoint = new UdpEndpoint(config, log);
    const binding = endpoint.open().then(() => endpoint);
    opening.set(key, binding);
    try {
      await binding;
      endpoints.set(key, endpoint);
      return endpoint;
    } finally {
      opening.delete(key);
    }
  }
}

/** Gives back a hold taken with acquireEndpoint(); the last one closes the socket (awaited). */
export async function releaseEndpoint(endpoint: UdpEndpoint): Promise<void> {
  const key = endpoint.key;
  const last = endpoints.get(key) === endpoint && endpoint.refCount === 1;
  if (!last) {
    await endpoint.close();
    return;
  }
  endpoints.delete(key);
  const done = endpoint.close().finally(() => closing.delete(key));
  closing.set(key, done);
  await done;
}

/** Keys of the endpoints open now (for diagnostics and leak checks in tests). */
export function openEndpoints(): string[] {
  return [...endpoints.keys()];
}
