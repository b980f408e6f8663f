/** The PostgreSQL database and Redis keys a pg+redis run uses, created for it and removed after it. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';

export interface ThrowawayDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE portcullis_bench_<random> next to `adminUrl`; `drop` removes it again. */
export async function createThrowawayDatabase(adminUrl: string): Promise<ThrowawayDatabase> {
  const name = `portcullis_bench_${randomBytes(5).toString('hex')}`;
  await withPostgres(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withPostgres(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

export const uniqueKeyPrefix = (): string => `portcullis-bench:${randomBytes(5).toString('hex')}:`;

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  if (!/^[A-Za-z0-9:_-]+:$/.test(prefix)) throw new Error(`refusing to delete keys under unexpected prefix ${prefix}`);
  await withRedis(redisUrl, {}, async (redis) => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  });
}

/** Fails fast with a readable message when PostgreSQL or Redis is not reachable. */
export async function checkInfrastructure(databaseUrl: string, redisUrl: string): Promise<void> {
  const unreachable = (what: string, url: string, option: string) => (error: Error) => {
    throw new Error(`${what} at ${redact(url)} is not reachable (${error.message}); pass ${option} or use --modes embedded`, {
      cause: error,
    });
  };
  await withPostgres(databaseUrl, (client) => client.query('SELECT 1')).catch(unreachable('PostgreSQL', databaseUrl, '--database-url'));
  const options = { connectTimeout: 3000, retryStrategy: () => null };
  await withRedis(redisUrl, options, (redis) => redis.ping()).catch(unreachable('Redis', redisUrl, '--redis-url'));
}

/** The Redis server's process id when it runs on this machine (for CPU accounting), else undefined. */
export async function redisServerPid(redisUrl: string): Promise<number | undefined> {
  if (!isLocal(redisUrl)) return undefined;
  const info = await withRedis(redisUrl, {}, (redis) => redis.info('server')).catch(() => '');
  const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
  return Number.isInteger(pid) && existsSync(`/proc/${pid}`) ? pid : undefined;
}

/** Backend process ids serving database `name` (local PostgreSQL only), found through `adminUrl`. */
export async function postgresBackendPids(adminUrl: string, name: string): Promise<number[]> {
  if (!isLocal(adminUrl)) return [];
  const query = 'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()';
  const rows = await withPostgres(adminUrl, async (client) => (await client.query<{ pid: number }>(query, [name])).rows).catch(() => []);
  return rows.map((row) => row.pid).filter((pid) => existsSync(`/proc/${pid}`));
}

const isLocal = (url: string): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

const redact = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
};

export async function withPostgres<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function withRedis<T>(url: string, options: RedisOptions, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, ...options });
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}
