import { EventEmitter } from 'node:events';
import type { RedisConnection } from '../redis/connection.ts';
import type { Logger } from '../observability/logger.ts';

/** Records whose caches are kept by id, and 'keys': the signing key set (src/keys/key-set-watcher.ts). */
export const CHANGE_KINDS = ['client', 'resource', 'account', 'keys'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Change {
  readonly kind: ChangeKind;
  readonly id: string;
}

/**
 * Tells every instance that a record changed, so their caches drop it. `onReset` fires when
 * changes may have been missed (a lost Redis connection): listeners then drop everything.
 */
export interface ChangeFeed {
  publish(change: Change): Promise<void>;
  onChange(listener: (change: Change) => void): void;
  onReset(listener: () => void): void;
  close(): Promise<void>;
}

/** One process: the embedded store, or CLI commands run inside the server. */
export function createLocalChangeFeed(): ChangeFeed {
  const events = new EventEmitter();
  return {
    async publish(change) {
      events.emit('change', change);
    },
    onChange: (listener) => void events.on('change', listener),
    onReset: (listener) => void events.on('reset', listener),
    async close() {
      events.removeAllListeners();
    },
  };
}

/** Every instance sharing a Redis: Redis pub/sub on one channel under the key prefix. */
export async function createRedisChangeFeed(redis: RedisConnection, keyPrefix: string, logger: Logger): Promise<ChangeFeed> {
  const channel = `${keyPrefix}changes`;
  const local = createLocalChangeFeed();
  // Subscribing takes a connection over; Redis and Cluster both duplicate with the same settings.
  const subscriber: RedisConnection = (redis.duplicate as () => RedisConnection).call(redis);
  subscriber.on('error', () => {});
  const resetListeners: Array<() => void> = [];
  let readyBefore = false;
  subscriber.on('ready', () => {
    // Reconnected: notifications sent while we were away are lost, so forget everything cached.
    if (readyBefore) for (const listener of resetListeners) listener();
    readyBefore = true;
  });
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    try {
      const change = JSON.parse(message) as Change;
      if (CHANGE_KINDS.includes(change.kind) && typeof change.id === 'string') void local.publish(change);
    } catch {
      logger.warn('ignored a malformed change notification');
    }
  });
  await subscriber.subscribe(channel).catch((error: Error) => logger.warn({ err: error.message }, 'could not subscribe to change notifications yet'));
  return {
    async publish(change) {
      await local.publish(change);
      await redis.publish(channel, JSON.stringify(change));
    },
    onChange: local.onChange,
    onReset: (listener) => void resetListeners.push(listener),
    async close() {
      subscriber.disconnect();
      await local.close();
    },
  };
}
