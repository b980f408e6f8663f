import { ConfigError, loadConfig, loadDotEnv } from '../config/config.ts';
import { openDatabase } from '../db/database.ts';
import { acquireEmbeddedLock } from '../db/embedded-lock.ts';
import { applyMigrations, readMigrations } from '../db/migrate.ts';
import { createLogger } from '../observability/logger.ts';

loadDotEnv();
try {
  const config = loadConfig();
  const logger = createLogger('warn', process.stderr);
  const lock = config.embeddedDatabase ? await acquireEmbeddedLock(config.dataDir) : undefined;
  const db = await openDatabase(config.database, logger);
  try {
    const applied = await applyMigrations(db.sql, await readMigrations());
    process.stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.close();
    await lock?.release();
  }
} catch (error) {
  process.stderr.write(`error: ${error instanceof ConfigError ? error.message : (error as Error).message}\n`);
  process.exit(1);
}
