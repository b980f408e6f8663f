import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisConnection } from '../adapters/redis-adapter.ts';

export interface LoginThrottle {
  /** Seconds to wait before another attempt is allowed, or 0 when attempts remain. */
  retryAfter(key: string): Promise<number>;
  recordFailure(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

/**
 * Failed logins per (email, client address), shared through Redis when there is one so that every
 * instance sees the same count. The limiter library is loaded with the first login, not at start.
 */
export function createLoginThrottle(options: {
  maxAttempts: number;
  windowSeconds: number;
  redis: RedisConnection | undefined;
  keyPrefix: string;
}): LoginThrottle {
  const limits = { points: options.maxAttempts, duration: options.windowSeconds, keyPrefix: `${options.keyPrefix}login-fail` };
  let limiter: Promise<{ limiter: RateLimiterAbstract; isRejection: (value: unknown) => boolean }> | undefined;
  const load = () =>
    (limiter ??= import('rate-limiter-flexible').then(({ RateLimiterMemory, RateLimiterRedis, RateLimiterRes }) => ({
      limiter: options.redis
        ? new RateLimiterRedis({ ...limits, storeClient: options.redis, useRedisPackage: false, rejectIfRedisNotReady: true })
        : new RateLimiterMemory(limits),
      isRejection: (value: unknown) => value instanceof RateLimiterRes,
    })));

  return {
    async retryAfter(key) {
      const state = await (await load()).limiter.get(key);
      if (!state || state.consumedPoints < options.maxAttempts) return 0;
      return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    },
    async recordFailure(key) {
      const { limiter: active, isRejection } = await load();
      try {
        await active.consume(key);
      } catch (rejection) {
        if (!isRejection(rejection)) throw rejection;
      }
    },
    async reset(key) {
      await (await load()).limiter.delete(key);
    },
  };
}
