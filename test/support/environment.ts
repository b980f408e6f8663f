import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
export { freePort } from './free-port.ts';

/** Real PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI), embedded otherwise. */
export const usingPostgres = Boolean(process.env.DATABASE_URL);
export const usingRedis = Boolean(process.env.REDIS_URL);

export const quietLogger = (): Logger => createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');


export interface TestResources {
  /** Environment for loadConfig: a database and key prefix of this test file's own. */
  readonly env: Record<string, string>;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly keyPrefix: string;
  cleanup(): Promise<void>;
}

/** A throwaway PostgreSQL database and Redis key prefix for one test file. */
export async function createTestResources(): Promise<TestResources> {
  const id = randomBytes(6).toString('hex');
  const keyPrefix = `test:${id}:`;
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (usingPostgres) {
    const admin = new URL(process.env.DATABASE_URL!);
    const name = `portcullis_test_${id}`;
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
    await client.end();
    const url = new URL(admin.toString());
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    };
  }
  const redisUrl = usingRedis ? process.env.REDIS_URL : undefined;
  return {
    env: {
      NODE_ENV: 'test',
      REDIS_KEY_PREFIX: keyPrefix,
      LOG_LEVEL: 'silent',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    },
    databaseUrl,
    redisUrl,
    keyPrefix,
    async cleanup() {
      await dropDatabase();
      if (redisUrl) {
        const redis = new Redis(redisUrl);
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length) await Promise.all(keys.map((key) => redis.del(key)));
        } while (cursor !== '0');
        await redis.quit();
      }
    },
  };
}

export function testConfig(resources: TestResources, overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...resources.env, ...overrides });
}
