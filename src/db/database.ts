import { mkdir } from 'node:fs/promises';
import type { Logger } from '../observability/logger.ts';
import { PrismaClient } from '../generated/prisma/client.ts';

/** SQL access the migration applier and health checks need, on PostgreSQL and PGlite alike. */
export interface SqlRunner {
  /** Runs a multi-statement script (no parameters). */
  exec(sql: string): Promise<void>;
  query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `work` while holding a lock that excludes every other instance doing the same. */
  withExclusiveLock<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T>;
}

export interface Database {
  readonly kind: 'postgresql' | 'embedded';
  readonly prisma: PrismaClient;
  readonly sql: SqlRunner;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseOptions = { url: string; poolSize: number } | { embeddedDir: string } | { inMemory: true };

/** Opens PostgreSQL through a pg pool, or an embedded PGlite database; the driver not used is never loaded. */
export async function openDatabase(options: DatabaseOptions, logger: Logger): Promise<Database> {
  if ('url' in options) return openPostgres(options.url, options.poolSize, logger);
  return openEmbedded('embeddedDir' in options ? options.embeddedDir : undefined, logger);
}

// Arbitrary constant that identifies Portcullis's migration lock among PostgreSQL advisory locks.
const MIGRATION_LOCK_KEY = 727_118_001;

async function openPostgres(url: string, poolSize: number, logger: Logger): Promise<Database> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle connection dropped by the server must not crash the process: the pool replaces it.
  pool.on('error', (error) => logger.warn({ err: error.message }, 'postgresql connection lost'));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });

  const runnerFor = (client: { query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }> }): SqlRunner => ({
    async exec(sql) {
      await client.query(sql);
    },
    async query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as Row[];
    },
    withExclusiveLock: async (work) => {
      const connection = await pool.connect();
      try {
        await connection.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          return await work(runnerFor(connection));
        } finally {
          await connection.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        connection.release();
      }
    },
  });

  return {
    kind: 'postgresql',
    prisma,
    sql: runnerFor(pool),
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openEmbedded(dir: string | undefined, logger: Logger): Promise<Database> {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  if (dir) await mkdir(dir, { recursive: true });
  const pglite = dir ? await PGlite.create(dir) : await PGlite.create();
  logger.info({ dir: dir ?? 'memory' }, 'using the embedded PostgreSQL (PGlite): single instance, development only');
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });

  const runner: SqlRunner = {
    async exec(sql) {
      await pglite.exec(sql);
    },
    async query<Row extends Record<string, unknown>>(sql: string, params?: unknown[]) {
      return (await pglite.query<Row>(sql, params)).rows;
    },
    // PGlite is one connection inside this process, so there is nobody else to exclude.
    withExclusiveLock: (work) => work(runner),
  };

  return {
    kind: 'embedded',
    prisma,
    sql: runner,
    async ping() {
      await pglite.query('SELECT 1');
    },
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
