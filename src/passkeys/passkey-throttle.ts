import { addressBucket } from '../limits/address-bucket.ts';
import { createSharedCounters } from '../limits/shared-counters.ts';
import type { RedisConnection } from '../redis/connection.ts';

/** Limits on passkey sign-ins per client address (IPv6 per /64), shared through Redis when there is one. */
export interface PasskeyThrottle {
  /** Counts one sign-in attempt before it is checked; 0 when allowed, else the seconds to wait. */
  attempt(address: string): Promise<number>;
  /** The attempt succeeded: it is given back, so only failures add up. */
  succeeded(address: string): Promise<void>;
  /** Counts one challenge asked for (each is stored for a while); 0 when allowed, else the seconds to wait. */
  challenge(address: string): Promise<number>;
}

export interface PasskeyThrottleOptions {
  readonly redis: RedisConnection | undefined;
  readonly keyPrefix: string;
  /** Failed sign-ins per address per window: the password sign-in's own per-address limit. */
  readonly maxFailuresPerAddress: number;
  readonly windowSeconds: number;
  /** Challenges per address per minute: generous, it only bounds what one client can make us store. */
  readonly challengesPerMinute?: number;
}

export function createPasskeyThrottle(options: PasskeyThrottleOptions): PasskeyThrottle {
  const counters = createSharedCounters(options);
  const failures = counters.counter('passkey-failures-address', { points: options.maxFailuresPerAddress, windowSeconds: options.windowSeconds });
  const challenges = counters.counter('passkey-challenges-address', { points: options.challengesPerMinute ?? 60, windowSeconds: 60 });
  return {
    attempt: (address) => failures.take(addressBucket(address)),
    succeeded: (address) => failures.refund(addressBucket(address)),
    challenge: (address) => challenges.take(addressBucket(address)),
  };
}
