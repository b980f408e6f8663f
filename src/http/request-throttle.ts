import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisConnection } from '../redis/connection.ts';

/** A generous flood limit per key (client address), shared through Redis when there is one. */
export interface RequestThrottle {
  /** Counts one request; returns 0 when allowed, or the seconds to wait. */
  take(key: string): Promise<number>;
}

export function createRequestThrottle(options: {
  name: string;
  points: number;
  durationSeconds: number;
  redis: RedisConnection | undefined;
  keyPrefix: string;
}): RequestThrottle {
  const limits = { points: options.points, duration: options.durationSeconds, keyPrefix: `${options.keyPrefix}${options.name}` };
  // Loaded with the first request, not at start (idle memory).
  let loaded: Promise<{ limiter: RateLimiterAbstract; isRejection: (value: unknown) => value is { msBeforeNext: number } }> | undefined;
  const load = () =>
    (loaded ??= import('rate-limiter-flexible').then(({ RateLimiterMemory, RateLimiterRedis, RateLimiterRes }) => ({
      limiter: options.redis
        ? new RateLimiterRedis({ ...limits, storeClient: options.redis, useRedisPackage: false, rejectIfRedisNotReady: true })
        : new RateLimiterMemory(limits),
      isRejection: (value: unknown): value is { msBeforeNext: number } => value instanceof RateLimiterRes,
    })));
  return {
    async take(key) {
      const { limiter, isRejection } = await load();
      try {
        await limiter.consume(key);
        return 0;
      } catch (rejection) {
        // A store outage is not the client's fault: the provider behind reports it on its own.
        return isRejection(rejection) ? Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) : 0;
      }
    },
  };
}
