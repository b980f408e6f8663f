import { openDatabase, type Database } from '../../src/db/database.ts';
import { hashClientSecret } from '../../src/clients/client-secret.ts';
import { clientsNeedingAudience } from '../../src/clients/upgrade-notice.ts';
import { applyMigrations, MigrationError, readMigrations } from '../../src/db/migrate.ts';
import { createTestResources, quietLogger, usingPostgres, type TestResources } from '../support/environment.ts';

let resources: TestResources;
const open = (): Promise<Database> =>
  openDatabase(usingPostgres ? { url: resources.databaseUrl!, poolSize: 4 } : { inMemory: true }, quietLogger());

beforeAll(async () => {
  resources = await createTestResources();
});
afterAll(() => resources.cleanup());

describe('migration applier', () => {
  test('applies every migration once, records it as Prisma does, and is idempotent', async () => {
    const db = await open();
    try {
      const migrations = await readMigrations();
      expect(migrations.length).toBeGreaterThan(0);
      expect(await applyMigrations(db.sql, migrations)).toEqual(migrations.map((m) => m.name));
      expect(await applyMigrations(db.sql, migrations)).toEqual([]);
      const rows = await db.sql.query<{ migration_name: string; checksum: string }>('SELECT migration_name, checksum FROM "_prisma_migrations"');
      expect(rows).toEqual(migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum })));
      expect(await db.prisma.account.count()).toBe(0);
    } finally {
      await db.close();
    }
  });

  test('refuses a migration that changed after it was applied', async () => {
    const db = await open();
    try {
      const migrations = await readMigrations();
      await applyMigrations(db.sql, migrations);
      const tampered = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
      await expect(applyMigrations(db.sql, tampered)).rejects.toBeInstanceOf(MigrationError);
    } finally {
      await db.close();
    }
  });

  test('a failing migration rolls back and leaves nothing half-applied', async () => {
    const db = await open();
    try {
      const broken = [{ name: '99999999999999_broken', sql: 'CREATE TABLE half_done (id int); SELECT * FROM no_such_table;', checksum: 'a'.repeat(64) }];
      await applyMigrations(db.sql, await readMigrations());
      await expect(applyMigrations(db.sql, broken)).rejects.toThrow(/99999999999999_broken/);
      const tables = await db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half_done'");
      expect(tables[0]?.n).toBe(0);
    } finally {
      await db.close();
    }
  });

  (usingPostgres ? test : test.skip)('instances starting together apply each migration exactly once', async () => {
    const fresh = await createTestResources();
    const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ url: fresh.databaseUrl!, poolSize: 2 }, quietLogger())));
    try {
      const migrations = await readMigrations();
      const results = await Promise.all(dbs.map((db) => applyMigrations(db.sql, migrations)));
      expect(results.flat()).toEqual(migrations.map((m) => m.name));
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
      await fresh.cleanup();
    }
  });

  test('the security-review migration converts plain client secrets to their hash (F10)', async () => {
    const fresh = usingPostgres ? await createTestResources() : undefined;
    const db = await openDatabase(fresh ? { url: fresh.databaseUrl!, poolSize: 2 } : { inMemory: true }, quietLogger());
    try {
      const migrations = await readMigrations();
      const index = migrations.findIndex((m) => m.name.endsWith('_security_review'));
      await applyMigrations(db.sql, migrations.slice(0, index));
      await db.sql.exec(`INSERT INTO clients (client_id, metadata, updated_at) VALUES
        ('legacy', '{"client_id":"legacy","client_secret":"an old plain secret of at least 32 chars","grant_types":["client_credentials"]}', now()),
        ('public', '{"client_id":"public","token_endpoint_auth_method":"none"}', now())`);
      await applyMigrations(db.sql, migrations);
      const rows = await db.sql.query<{ client_id: string; metadata: Record<string, unknown>; secret_hash: string | null }>('SELECT client_id, metadata, secret_hash FROM clients ORDER BY client_id');
      const legacy = rows.find((row) => row.client_id === 'legacy')!;
      expect(legacy.secret_hash).toBe(hashClientSecret('an old plain secret of at least 32 chars'));
      expect(legacy.metadata).not.toHaveProperty('client_secret');
      expect(legacy.metadata.grant_types).toEqual(['client_credentials']);
      expect(rows.find((row) => row.client_id === 'public')!.secret_hash).toBeNull();

      // Registered before `audience` existed: named at start once an API exists, until given one.
      expect(await clientsNeedingAudience(db.sql)).toEqual([]);
      await db.sql.exec(`INSERT INTO resources (identifier, scopes, updated_at) VALUES ('https://api.example', '{api:read}', now())`);
      await db.sql.exec(`INSERT INTO clients (client_id, metadata, created_at, updated_at) VALUES ('newer', '{"client_id":"newer"}', now() + interval '1 second', now())`);
      expect(await clientsNeedingAudience(db.sql)).toEqual(['legacy', 'public']);
      await db.sql.exec(`UPDATE clients SET metadata = metadata || '{"audience":["https://api.example"]}' WHERE client_id = 'legacy'`);
      expect(await clientsNeedingAudience(db.sql)).toEqual(['public']);
    } finally {
      await db.close();
      await fresh?.cleanup();
    }
  });
});
