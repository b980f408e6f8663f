import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../redis/connection.ts';

/** One back-channel logout still to deliver: `failures` attempts have failed so far. */
export interface LogoutRetry {
  readonly clientId: string;
  readonly accountId: string;
  readonly sid: string;
  readonly failures: number;
}

/**
 * Deliveries waiting for their next attempt, shared by every instance (a Redis sorted set scored by
 * when each is due), so a retry survives the instance that scheduled it and is made once, by
 * whichever instance takes it first.
 */
export interface LogoutRetryQueue {
  schedule(retry: LogoutRetry, dueAt: number): Promise<void>;
  /** Removes and returns up to `limit` retries due at `now`. */
  takeDue(now: number, limit: number): Promise<LogoutRetry[]>;
}

// Read and removed in one step, so two instances never take the same retry.
const TAKE_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due`;

const parse = (member: string): LogoutRetry | undefined => {
  try {
    const { retry } = JSON.parse(member) as { retry: LogoutRetry };
    return retry;
  } catch {
    return undefined;
  }
};

export function createLogoutRetryQueue({ redis, keyPrefix }: { redis: RedisConnection | undefined; keyPrefix: string }): LogoutRetryQueue {
  if (!redis) return memoryQueue();
  const key = `${keyPrefix}backchannel-logout:retries`;
  return {
    async schedule(retry, dueAt) {
      await redis.zadd(key, dueAt, JSON.stringify({ id: randomUUID(), retry }));
    },
    async takeDue(now, limit) {
      const members = (await redis.eval(TAKE_DUE, 1, key, String(now), String(limit))) as string[];
      return members.flatMap((member) => parse(member) ?? []);
    },
  };
}

/** The embedded store's queue: one process is all there is. */
function memoryQueue(): LogoutRetryQueue {
  const waiting: { retry: LogoutRetry; dueAt: number }[] = [];
  return {
    schedule(retry, dueAt) {
      waiting.push({ retry, dueAt });
      return Promise.resolve();
    },
    takeDue(now, limit) {
      const due = waiting.filter((entry) => entry.dueAt <= now).slice(0, limit);
      for (const entry of due) waiting.splice(waiting.indexOf(entry), 1);
      return Promise.resolve(due.map((entry) => entry.retry));
    },
  };
}
