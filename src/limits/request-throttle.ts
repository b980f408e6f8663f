import type { RedisConnection } from '../redis/connection.ts';
import { addressBucket } from './address-bucket.ts';
import { createSharedCounters } from './shared-counters.ts';

/** A generous flood limit per client address (IPv6 per /64), shared through Redis when there is one. */
export interface RequestThrottle {
  /** Counts one request from `address`; returns 0 when allowed, or the seconds to wait. */
  take(address: string): Promise<number>;
}

export function createRequestThrottle(options: {
  name: string;
  points: number;
  durationSeconds: number;
  redis: RedisConnection | undefined;
  keyPrefix: string;
}): RequestThrottle {
  const counter = createSharedCounters(options).counter(options.name, { points: options.points, windowSeconds: options.durationSeconds });
  return {
    async take(address) {
      try {
        return await counter.take(addressBucket(address));
      } catch {
        // A store outage is not the client's fault: the provider behind reports it on its own.
        return 0;
      }
    },
  };
}
