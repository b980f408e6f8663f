import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisConnection } from '../adapters/redis-adapter.ts';

export interface LoginThrottle {
  /**
   * Takes one attempt for `key` atomically, before the password is checked, so parallel guesses
   * cannot slip past the limit. Returns 0 when allowed, or the seconds to wait.
   */
  attempt(key: string): Promise<number>;
  /** A successful login clears the key's count. */
  reset(key: string): Promise<void>;
}

/**
 * Login attempts per (email, client address), shared through Redis when there is one so that every
 * instance sees the same count. The limiter library is loaded with the first login, not at start.
 */
export function createLoginThrottle(options: {
  maxAttempts: number;
  windowSeconds: number;
  redis: RedisConnection | undefined;
  keyPrefix: string;
}): LoginThrottle {
  const limits = { points: options.maxAttempts, duration: options.windowSeconds, keyPrefix: `${options.keyPrefix}login-attempts` };
  let limiter: Promise<{ limiter: RateLimiterAbstract; rejectionWait: (value: unknown) => number | undefined }> | undefined;
  const load = () =>
    (limiter ??= import('rate-limiter-flexible').then(({ RateLimiterMemory, RateLimiterRedis, RateLimiterRes }) => ({
      limiter: options.redis
        ? new RateLimiterRedis({ ...limits, storeClient: options.redis, useRedisPackage: false, rejectIfRedisNotReady: true })
        : new RateLimiterMemory(limits),
      rejectionWait: (value: unknown) => (value instanceof RateLimiterRes ? Math.max(1, Math.ceil(value.msBeforeNext / 1000)) : undefined),
    })));

  return {
    async attempt(key) {
      const { limiter: active, rejectionWait } = await load();
      try {
        await active.consume(key);
        return 0;
      } catch (rejection) {
        const wait = rejectionWait(rejection);
        if (wait === undefined) throw rejection;
        return wait;
      }
    },
    async reset(key) {
      await (await load()).limiter.delete(key);
    },
  };
}
