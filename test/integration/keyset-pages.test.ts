import { openDatabase, type Database } from '../../src/db/database.ts';
import { applyMigrations, readMigrations } from '../../src/db/migrate.ts';
import type { KeysetPosition } from '../../src/db/keyset.ts';
import { ResourceRegistry } from '../../src/resources/resource-registry.ts';
import { createTestResources, quietLogger, usingPostgres, type TestResources } from '../support/environment.ts';

let resources: TestResources;
let db: Database;
let registry: ResourceRegistry;

beforeAll(async () => {
  resources = await createTestResources();
  db = await openDatabase(usingPostgres ? { url: resources.databaseUrl!, poolSize: 2 } : { inMemory: true }, quietLogger());
  await applyMigrations(db.sql, await readMigrations());
  registry = new ResourceRegistry(db.prisma);
});
afterAll(async () => {
  await db.close();
  await resources.cleanup();
});

test('keyset pages visit every row once, in (created_at, key) order, when many rows share a creation time', async () => {
  const early = new Date('2026-01-01T00:00:00.000Z');
  const late = new Date('2026-01-02T00:00:00.000Z');
  const rows = [
    ...['https://e.example', 'https://a.example', 'https://c.example', 'https://b.example', 'https://d.example'].map((identifier) => ({ identifier, createdAt: early })),
    ...['https://z.example', 'https://y.example'].map((identifier) => ({ identifier, createdAt: late })),
  ];
  await db.prisma.resource.createMany({ data: rows.map((row) => ({ ...row, scopes: ['s'] })) });

  const seen: string[] = [];
  let after: KeysetPosition | undefined;
  for (let pages = 0; pages < 10; pages += 1) {
    const page = await registry.page({ limit: 2, after });
    seen.push(...page.items.map((item) => item.identifier));
    after = page.next;
    if (!after) break;
  }
  expect(seen).toEqual(['https://a.example', 'https://b.example', 'https://c.example', 'https://d.example', 'https://e.example', 'https://y.example', 'https://z.example']);
});
