import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface ThrowawayDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE portcullis_bench_<random> next to `adminUrl`; `drop` removes it again. */
export async function createThrowawayDatabase(adminUrl: string): Promise<ThrowawayDatabase> {
  const name = `portcullis_bench_${randomBytes(5).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export const uniqueKeyPrefix = (): string => `portcullis-bench:${randomBytes(5).toString('hex')}:`;

/** Deletes every key under `prefix` (SCAN, never KEYS); returns how many were deleted. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9:_-]+:$/.test(prefix)) throw new Error(`refusing to delete keys under unexpected prefix ${prefix}`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** Fails fast with a readable message when PostgreSQL or Redis is not reachable. */
export async function checkInfrastructure(databaseUrl: string, redisUrl: string): Promise<void> {
  await withClient(databaseUrl, (client) => client.query('SELECT 1')).catch((error: Error) => {
    throw new Error(
      `PostgreSQL at ${redact(databaseUrl)} is not reachable (${error.message}); pass --database-url or use --modes embedded`,
      {
        cause: error,
      },
    );
  });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: 3000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis at ${redact(redisUrl)} is not reachable (${(error as Error).message}); pass --redis-url or use --modes embedded`,
      {
        cause: error,
      },
    );
  } finally {
    redis.disconnect();
  }
}

const redact = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
};

/** The Redis server's process id when it runs on this machine (for CPU accounting), else undefined. */
export async function redisServerPid(redisUrl: string): Promise<number | undefined> {
  const host = new URL(redisUrl).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) return undefined;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const pid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
    return Number.isInteger(pid) && existsSync(`/proc/${pid}`) ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Backend process ids serving database `name` (local PostgreSQL only), found through `adminUrl`. */
export async function postgresBackendPids(adminUrl: string, name: string): Promise<number[]> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(adminUrl).hostname)) return [];
  try {
    const { rows } = await withClient(adminUrl, (client) =>
      client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]),
    );
    return rows.map((row) => row.pid).filter((pid) => existsSync(`/proc/${pid}`));
  } catch {
    return [];
  }
}
