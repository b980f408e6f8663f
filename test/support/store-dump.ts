import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { MemoryStore } from '../../src/adapters/memory-adapter.ts';
import type { TestServer } from './server.ts';

/** One piece of stored or logged text, and where it came from (for a readable failure). */
export interface Dumped {
  readonly where: string;
  readonly text: string;
}

/** A pino destination keeping every line written to it. */
export function captureLogLines(): { readonly stream: Writable; readonly lines: string[] } {
  const lines: string[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line.length > 0));
      done();
    },
    final(done) {
      if (partial) lines.push(partial);
      done();
    },
  });
  return { stream, lines };
}

/**
 * The embedded artifact store is private to the services; this remembers every MemoryStore that
 * stores something from now on, so a test can dump it. Call before starting the server; `restore`
 * puts the prototype back.
 */
export function captureEmbeddedStores(): { readonly stores: Set<MemoryStore>; restore(): void } {
  const stores = new Set<MemoryStore>();
  const original = MemoryStore.prototype.set;
  MemoryStore.prototype.set = function set(this: MemoryStore, key: string, value: unknown, ttlSeconds: number) {
    stores.add(this);
    return original.call(this, key, value, ttlSeconds);
  };
  return {
    stores,
    restore() {
      MemoryStore.prototype.set = original;
    },
  };
}

export function dumpEmbeddedStores(stores: Iterable<MemoryStore>): Dumped[] {
  const dumped: Dumped[] = [];
  for (const store of stores)
    for (const [key, value] of store.dump()) dumped.push({ where: `embedded store ${key}`, text: `${key} ${JSON.stringify(value)}` });
  return dumped;
}

/** Every row of every table in the database's current schema, each row as PostgreSQL's text form. */
export async function dumpDatabase(server: TestServer): Promise<{ tables: string[]; rows: Dumped[] }> {
  const { sql } = server.services.db;
  const tables = (
    await sql.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
    )
  ).map((row) => row.name);
  const rows: Dumped[] = [];
  for (const table of tables) {
    const found = await sql.query<{ row: string }>(`SELECT t::text AS row FROM "${table.replace(/"/g, '""')}" t`);
    found.forEach(({ row }, index) => rows.push({ where: `table ${table} row ${index}`, text: row }));
  }
  return { tables, rows };
}

/** A key's value as text, whatever its type. */
async function valueOf(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES'));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    case 'none':
      return '';
    default:
      return `<${type}>`;
  }
}

/** Every key matching `pattern` (the whole keyspace by default) with its value, read through its own connection. */
export async function dumpRedis(url: string, pattern = '*'): Promise<Dumped[]> {
  const redis = new Redis(url);
  try {
    const dumped: Dumped[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) dumped.push({ where: `redis ${key}`, text: `${key} ${await valueOf(redis, key)}` });
    } while (cursor !== '0');
    return dumped;
  } finally {
    await redis.quit();
  }
}

/** Which of `secrets` (label → value) occur in which dumped texts: empty when none does. */
export function occurrences(dumped: readonly Dumped[], secrets: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const { where, text } of dumped) {
    for (const [label, value] of secrets) if (text.includes(value)) found.push(`${label} in ${where}`);
  }
  return found;
}
