import type * as RateLimiterFlexible from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisConnection } from '../redis/connection.ts';

/** A fixed-window count per key, atomic even across instances. */
export interface Counter {
  /** Counts one for `key`. Returns 0 while within the limit, otherwise the seconds until the window ends. */
  take(key: string): Promise<number>;
  /** Gives one back. */
  refund(key: string): Promise<void>;
  clear(key: string): Promise<void>;
}

/** Keys remembered for a while. */
export interface Memory {
  has(key: string): Promise<boolean>;
  remember(key: string): Promise<void>;
}

export interface SharedCounters {
  counter(name: string, limit: { points: number; windowSeconds: number }): Counter;
  memory(name: string, ttlSeconds: number): Memory;
}

type Library = typeof RateLimiterFlexible;

/**
 * Counters and memories in Redis when there is one, so that every instance sees the same counts
 * (each key a single Redis key, so Redis Cluster is fine), in this process otherwise. Keys are
 * `<prefix><name>:<key>`. The limiter library is loaded with the first use, not at start.
 */
export function createSharedCounters(options: { redis: RedisConnection | undefined; keyPrefix: string }): SharedCounters {
  let library: Promise<Library> | undefined;
  const limiter = (name: string, points: number, duration: number) => {
    let created: Promise<{ limiter: RateLimiterAbstract; lib: Library }> | undefined;
    return () =>
      (created ??= (library ??= import('rate-limiter-flexible')).then((lib) => {
        const limits = { points, duration, keyPrefix: `${options.keyPrefix}${name}` };
        return {
          lib,
          limiter: options.redis
            ? new lib.RateLimiterRedis({ ...limits, storeClient: options.redis, useRedisPackage: false, rejectIfRedisNotReady: true })
            : new lib.RateLimiterMemory(limits),
        };
      }));
  };

  return {
    counter(name, limit) {
      const load = limiter(name, limit.points, limit.windowSeconds);
      return {
        async take(key) {
          const { limiter: active, lib } = await load();
          try {
            await active.consume(key);
            return 0;
          } catch (rejection) {
            if (!(rejection instanceof lib.RateLimiterRes)) throw rejection;
            return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
          }
        },
        async refund(key) {
          await (await load()).limiter.reward(key, 1);
        },
        async clear(key) {
          await (await load()).limiter.delete(key);
        },
      };
    },
    memory(name, ttlSeconds) {
      const load = limiter(name, 1, ttlSeconds);
      return {
        async has(key) {
          return (await (await load()).limiter.get(key)) !== null;
        },
        async remember(key) {
          await (await load()).limiter.set(key, 1, ttlSeconds);
        },
      };
    },
  };
}
