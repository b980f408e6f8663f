import { createKeySealer, KeyEncryptionError, type KeySealer } from '../../src/crypto/key-sealer.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { applyMigrations, readMigrations } from '../../src/db/migrate.ts';
import { generateSigningKey } from '../../src/keys/key-material.ts';
import { SigningKeyRepository } from '../../src/keys/signing-key-repository.ts';
import { SigningKeyService, type SigningKeyView } from '../../src/keys/signing-key-service.ts';
import { longestSignedTokenLifetime, RETIREMENT_MARGIN_SECONDS } from '../../src/keys/token-lifetime.ts';
import { createTestResources, quietLogger, usingPostgres, type TestResources } from '../support/environment.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
// The longest signed token: the JWT resource's 900 s (the opaque resource's tokens are not signed).
const TTL = {
  idToken: 300,
  accessToken: 200,
  clientCredentials: 100,
  authorizationCode: 60,
  refreshToken: 86_400,
  session: 86_400,
  interaction: 600,
  grant: 86_400,
  refreshTokenReuseGrace: 0,
};
const REGISTERED = [
  { accessTokenTtl: 900, tokenFormat: 'jwt' as const },
  { accessTokenTtl: 5000, tokenFormat: 'opaque' as const },
];
const RETIREMENT_MS = (900 + RETIREMENT_MARGIN_SECONDS) * 1000;

let resources: TestResources;
let db: Database;
const clock = { now: Date.parse('2027-01-01T00:00:00.000Z') };
let notifications = 0;

const open = (url = resources.databaseUrl): Promise<Database> =>
  openDatabase(usingPostgres ? { url: url!, poolSize: 4 } : { inMemory: true }, quietLogger());

function serviceOn(database: Database, options: { rotationDays?: number; sealer?: KeySealer } = {}): SigningKeyService {
  return new SigningKeyService({
    repository: new SigningKeyRepository(database.prisma, options.sealer),
    withExclusiveLock: (work) => database.sql.withExclusiveLock(() => work()),
    changes: { publish: async () => void (notifications += 1) },
    policy: { rotateAfterSeconds: options.rotationDays === undefined ? undefined : options.rotationDays * 86_400 },
    longestTokenLifetime: () => longestSignedTokenLifetime({ ttl: TTL, admin: { tokenTtl: 300 } }, { list: async () => REGISTERED }),
    now: () => clock.now,
  });
}

const statuses = (views: readonly SigningKeyView[]) => views.map((view) => `${view.status} ${view.alg}`);
const kidOf = (views: readonly SigningKeyView[], status: string, alg: string) =>
  views.find((view) => view.status === status && view.alg === alg)?.kid;

beforeAll(async () => {
  resources = await createTestResources();
  db = await open();
  await applyMigrations(db.sql, await readMigrations());
});
beforeEach(async () => {
  await db.sql.exec('DELETE FROM signing_keys');
  clock.now = Date.parse('2027-01-01T00:00:00.000Z');
  notifications = 0;
});
afterAll(async () => {
  await db.close();
  await resources.cleanup();
});

describe('rotation asked for', () => {
  test('the first start makes one current key per algorithm; the next start publishes the same', async () => {
    const first = await serviceOn(db).prepare();
    expect(first.keys.map((key) => key.alg)).toEqual(['RS256', 'ES256']);
    expect(await serviceOn(db).prepare()).toEqual(first);
    expect(statuses(await serviceOn(db).list())).toEqual(['current RS256', 'current ES256']);
  });

  test('rotate makes a fresh key current per algorithm and keeps the old one published until its last token has expired', async () => {
    const service = serviceOn(db);
    const before = await service.prepare();
    clock.now += 1000;
    notifications = 0;
    const { activated, retired } = await service.rotate();

    expect(activated.map((view) => view.alg)).toEqual(['RS256', 'ES256']);
    expect(activated.every((view) => view.status === 'current' && !before.keys.some((key) => key.kid === view.kid))).toBe(true);
    expect(retired.map((view) => view.kid)).toEqual(before.keys.map((key) => key.kid));
    for (const view of retired) {
      expect(view).toMatchObject({
        status: 'retired',
        retired_at: new Date(clock.now).toISOString(),
        published_until: new Date(clock.now + RETIREMENT_MS).toISOString(),
      });
    }
    // The provider gets the new keys first: it signs with the first key of an algorithm.
    const published = await service.publishedKeySet();
    expect(published.keys.map((key) => key.kid)).toEqual([...activated, ...retired].map((view) => view.kid));
    expect(notifications).toBe(1);
  });

  test('list shows public parts only', async () => {
    const service = serviceOn(db);
    await service.prepare();
    await service.rotate();
    const views = await service.list();
    expect(Object.keys(views[0]!).sort()).toEqual([
      'activated_at',
      'alg',
      'created_at',
      'kid',
      'public_jwk',
      'published_until',
      'retired_at',
      'status',
    ]);
    for (const view of views) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(view.public_jwk).not.toHaveProperty(member);
      expect(view.public_jwk).toMatchObject({ kid: view.kid, alg: view.alg, use: 'sig' });
    }
  });

  test('rotate promotes the published next key rather than one nobody has cached', async () => {
    const service = serviceOn(db, { rotationDays: 30 });
    await service.prepare();
    clock.now += 29 * DAY_MS;
    await service.maintain();
    const nextRsa = kidOf(await service.list(), 'next', 'RS256');
    expect(nextRsa).toBeDefined();
    const { activated } = await service.rotate();
    expect(activated.map((view) => view.kid)).toContain(nextRsa);
  });

  test('retired keys leave the published set once published_until has passed, and prune deletes them', async () => {
    const service = serviceOn(db);
    await service.prepare();
    const { retired } = await service.rotate();
    clock.now += RETIREMENT_MS - 1;
    expect(await service.prune()).toEqual([]);
    expect((await service.publishedKeySet()).keys).toHaveLength(4);
    clock.now += 1;
    expect((await service.publishedKeySet()).keys).toHaveLength(2);
    expect((await service.prune()).sort()).toEqual(retired.map((view) => view.kid).sort());
    expect(statuses(await service.list())).toEqual(['current RS256', 'current ES256']);
  });
});

describe('automatic rotation (SIGNING_KEY_ROTATION_DAYS)', () => {
  test('the next keys are published a day before they become current, and the old ones are then retired', async () => {
    const service = serviceOn(db, { rotationDays: 30 });
    const first = (await service.prepare()).keys.map((key) => key.kid);
    const start = clock.now;

    clock.now = start + 29 * DAY_MS - 1;
    expect(await service.maintain()).toBe(false);
    clock.now = start + 29 * DAY_MS;
    expect(await service.maintain()).toBe(true);
    const prepared = await service.list();
    expect(statuses(prepared)).toEqual(['current RS256', 'current ES256', 'next RS256', 'next ES256']);
    // Published after the current keys, so they do not sign yet.
    expect((await service.publishedKeySet()).keys.map((key) => key.kid)).toEqual(prepared.map((view) => view.kid));

    clock.now = start + 30 * DAY_MS - 1;
    expect(await service.maintain()).toBe(false);
    clock.now = start + 30 * DAY_MS;
    expect(await service.maintain()).toBe(true);
    const promoted = await service.list();
    expect(statuses(promoted)).toEqual(['current RS256', 'current ES256', 'retired RS256', 'retired ES256']);
    expect(promoted.slice(0, 2).map((view) => view.kid)).toEqual(prepared.slice(2).map((view) => view.kid));
    expect(promoted.slice(2).map((view) => view.kid)).toEqual(first);
    expect(promoted[2]!.published_until).toBe(new Date(clock.now + RETIREMENT_MS).toISOString());
    expect(promoted[0]!.activated_at).toBe(new Date(clock.now).toISOString());
  });

  test('a start long after the rotation age publishes next keys first and promotes them only a day later', async () => {
    await serviceOn(db).prepare();
    clock.now += 100 * DAY_MS;
    const late = serviceOn(db, { rotationDays: 30 });
    await late.prepare();
    expect(statuses(await late.list())).toEqual(['current RS256', 'current ES256', 'next RS256', 'next ES256']);
    clock.now += DAY_MS - 1;
    expect(await late.maintain()).toBe(false);
    clock.now += 1;
    expect(await late.maintain()).toBe(true);
  });
});

describe('concurrency', () => {
  test('state changes of one instance run one at a time', async () => {
    const service = serviceOn(db);
    await service.prepare();
    await Promise.all([service.rotate(), service.rotate(), service.prune()]);
    expect(statuses(await service.list())).toEqual([
      'current RS256',
      'current ES256',
      'retired RS256',
      'retired RS256',
      'retired ES256',
      'retired ES256',
    ]);
  });

  (usingPostgres ? test : test.skip)('two instances due for automatic rotation at once promote only once', async () => {
    const other = await open();
    try {
      const [a, b] = [serviceOn(db, { rotationDays: 30 }), serviceOn(other, { rotationDays: 30 })];
      await Promise.all([a.prepare(), b.prepare()]);
      clock.now += 29 * DAY_MS;
      expect((await Promise.all([a.maintain(), b.maintain()])).filter(Boolean)).toHaveLength(1);
      clock.now += DAY_MS;
      expect((await Promise.all([a.maintain(), b.maintain()])).filter(Boolean)).toHaveLength(1);
      expect(statuses(await a.list())).toEqual(['current RS256', 'current ES256', 'retired RS256', 'retired ES256']);
    } finally {
      await other.close();
    }
  });
});

describe('keys at rest', () => {
  test('with KEY_ENCRYPTION_KEY every private key is sealed: made at start, ahead of rotation, and by rotation', async () => {
    const sealer = createKeySealer('k'.repeat(43));
    const service = serviceOn(db, { sealer, rotationDays: 30 });
    await service.prepare();
    clock.now += 29 * DAY_MS;
    await service.maintain();
    await service.rotate();
    await service.rotate();
    const rows = await db.sql.query<{ private_jwk: Record<string, unknown> }>('SELECT private_jwk FROM signing_keys');
    expect(rows).toHaveLength(6);
    for (const { private_jwk } of rows) {
      expect(private_jwk.sealed).toBe('A256GCM');
      expect(private_jwk).not.toHaveProperty('d');
    }
    expect(await service.list()).toHaveLength(6);
    await expect(serviceOn(db).list()).rejects.toBeInstanceOf(KeyEncryptionError);
  });

  test('keys stored in the clear are sealed at the next start with a key-encryption key', async () => {
    await serviceOn(db).prepare();
    await serviceOn(db, { sealer: createKeySealer('k'.repeat(43)) }).prepare();
    const rows = await db.sql.query<{ private_jwk: Record<string, unknown> }>('SELECT private_jwk FROM signing_keys');
    expect(rows.every((row) => row.private_jwk.sealed === 'A256GCM')).toBe(true);
  });
});

test('the migration keeps the newest key of each algorithm current and retires older ones', async () => {
  const fresh = usingPostgres ? await createTestResources() : undefined;
  const old = await openDatabase(fresh ? { url: fresh.databaseUrl!, poolSize: 2 } : { inMemory: true }, quietLogger());
  try {
    const migrations = await readMigrations();
    const index = migrations.findIndex((migration) => migration.name.endsWith('_signing_key_states'));
    await applyMigrations(old.sql, migrations.slice(0, index));
    const [olderRsa, newerRsa, ec] = await Promise.all([
      generateSigningKey('RS256'),
      generateSigningKey('RS256'),
      generateSigningKey('ES256'),
    ]);
    const insert = (key: typeof ec, createdAt: string) =>
      old.sql.query('INSERT INTO signing_keys (kid, alg, private_jwk, created_at) VALUES ($1, $2, $3, $4)', [
        key.kid,
        key.alg,
        JSON.stringify(key),
        createdAt,
      ]);
    await insert(olderRsa, '2026-01-01T00:00:00Z');
    await insert(newerRsa, '2026-06-01T00:00:00Z');
    await insert(ec, '2026-01-01T00:00:00Z');
    await applyMigrations(old.sql, migrations);

    const states = await new SigningKeyRepository(old.prisma).states();
    const byKid = new Map(states.map((state) => [state.kid, state]));
    expect(byKid.get(newerRsa.kid)).toMatchObject({
      status: 'current',
      activatedAt: new Date('2026-06-01T00:00:00Z'),
      publishedUntil: null,
    });
    expect(byKid.get(ec.kid)).toMatchObject({ status: 'current', publishedUntil: null });
    const retired = byKid.get(olderRsa.kid)!;
    expect(retired.status).toBe('retired');
    expect(retired.publishedUntil!.getTime() - Date.now()).toBeGreaterThan(86_400_000);
    clock.now = Date.now();
    expect((await serviceOn(old).publishedKeySet()).keys.map((key) => key.kid)).toEqual([newerRsa.kid, ec.kid, olderRsa.kid]);
    // The database refuses a second current key for an algorithm.
    await expect(
      old.sql.query("UPDATE signing_keys SET status = 'current', published_until = NULL WHERE kid = $1", [olderRsa.kid]),
    ).rejects.toThrow();
  } finally {
    await old.close();
    await fresh?.cleanup();
  }
});
