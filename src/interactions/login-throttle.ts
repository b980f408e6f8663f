import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisConnection } from '../adapters/redis-adapter.ts';

export interface LoginThrottle {
  /** Seconds to wait before another attempt is allowed, or 0 when attempts remain. */
  retryAfter(key: string): Promise<number>;
  recordFailure(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

/**
 * Failed logins per (email, client address), shared through Redis when there is one so that every
 * instance sees the same count.
 */
export function createLoginThrottle(options: {
  maxAttempts: number;
  windowSeconds: number;
  redis: RedisConnection | undefined;
  keyPrefix: string;
}): LoginThrottle {
  const limits = { points: options.maxAttempts, duration: options.windowSeconds, keyPrefix: `${options.keyPrefix}login-fail` };
  const limiter: RateLimiterAbstract = options.redis
    ? new RateLimiterRedis({ ...limits, storeClient: options.redis, useRedisPackage: false, rejectIfRedisNotReady: true })
    : new RateLimiterMemory(limits);

  return {
    async retryAfter(key) {
      const state = await limiter.get(key);
      if (!state || state.consumedPoints < options.maxAttempts) return 0;
      return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    },
    async recordFailure(key) {
      try {
        await limiter.consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
