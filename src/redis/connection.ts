import { Cluster, Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';

/** One Redis, or a Redis Cluster: shared by the artifact store, the change feed and the rate limiters. */
export type RedisConnection = Redis | Cluster;

export function createRedisConnection(url: string, cluster: boolean, logger: Logger): RedisConnection {
  const common = {
    // Fail a command quickly while Redis is away instead of queueing requests without bound.
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    // Off: rate-limiter-flexible defines its Lua commands on the connection lazily, and an
    // auto-pipeline created before that fails to run them and then throws outside any promise
    // (`results[i] is not iterable`, ioredis #1931), which ends the process; seen in our tests.
    enableAutoPipelining: false,
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
