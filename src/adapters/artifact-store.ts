import { Cluster, Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';
import { MemoryArtifacts } from './memory-adapter.ts';
import type { ArtifactAdapter } from './models.ts';
import { RedisArtifacts, type RedisConnection } from './redis-adapter.ts';

/** Where oidc-provider's short-lived artifacts live: Redis, or the embedded in-process store. */
export interface ArtifactStore {
  readonly kind: 'redis' | 'embedded';
  readonly keyPrefix: string;
  /** The Redis connection, for features that share it (rate limiting); undefined when embedded. */
  readonly redis: RedisConnection | undefined;
  adapterFor(model: string): ArtifactAdapter;
  /** Destroys every Session and Grant of the account, and every token and code of those grants. */
  revokeAccount(accountId: string): Promise<void>;
  /**
   * Destroys every Grant of the client with its tokens and codes, and every stored artifact of the
   * client without a grant (client credentials tokens, pushed requests, interactions, device codes).
   * JWT access tokens are not stored, so they stay valid where verified locally until they expire.
   */
  revokeClient(clientId: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type ArtifactStoreOptions =
  | { url: string; cluster: boolean; keyPrefix: string }
  | { embedded: true; keyPrefix: string };

export function createRedisConnection(url: string, cluster: boolean, logger: Logger): RedisConnection {
  const common = {
    // Fail a command quickly while Redis is away instead of queueing requests without bound.
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    enableAutoPipelining: true,
  };
  const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000);
  let connection: RedisConnection;
  if (cluster) {
    const seed = new URL(url);
    connection = new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
      clusterRetryStrategy: retryStrategy,
      redisOptions: {
        ...common,
        username: seed.username || undefined,
        password: seed.password ? decodeURIComponent(seed.password) : undefined,
        tls: seed.protocol === 'rediss:' ? {} : undefined,
      },
    });
  } else {
    connection = new Redis(url, { ...common, retryStrategy });
  }
  let lastReported = 0;
  connection.on('error', (error: Error) => {
    // ioredis reports every failed reconnect; once every 10 s is enough for an operator.
    if (Date.now() - lastReported > 10_000) {
      lastReported = Date.now();
      logger.warn({ err: error.message }, 'redis connection error');
    }
  });
  return connection;
}

export function openArtifactStore(options: ArtifactStoreOptions, logger: Logger): ArtifactStore {
  if ('url' in options) {
    const redis = createRedisConnection(options.url, options.cluster, logger);
    const artifacts = new RedisArtifacts(redis, options.keyPrefix);
    return {
      kind: 'redis',
      keyPrefix: options.keyPrefix,
      redis,
      adapterFor: (model) => artifacts.adapterFor(model),
      revokeAccount: (accountId) => artifacts.revokeAccount(accountId),
      revokeClient: (clientId) => artifacts.revokeClient(clientId),
      async ping() {
        const answer = await redis.ping();
        if (answer !== 'PONG') throw new Error('unexpected PING answer');
      },
      async close() {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }

  logger.warn('REDIS_URL is not set: sessions and tokens live in this process only (single instance, lost on restart)');
  const artifacts = new MemoryArtifacts();
  return {
    kind: 'embedded',
    keyPrefix: options.keyPrefix,
    redis: undefined,
    adapterFor: (model) => artifacts.adapterFor(model),
    revokeAccount: (accountId) => artifacts.revokeAccount(accountId),
    revokeClient: (clientId) => artifacts.revokeClient(clientId),
    async ping() {},
    async close() {
      artifacts.close();
    },
  };
}
