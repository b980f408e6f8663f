import { AccountRepository, DuplicateEmailError } from '../../src/accounts/account-repository.ts';
import { AccountService } from '../../src/accounts/account-service.ts';
import { OWASP_ARGON2ID, PasswordHasher } from '../../src/accounts/password-hasher.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { applyMigrations, readMigrations } from '../../src/db/migrate.ts';
import { resolveCookieKeys } from '../../src/oidc/cookie-keys.ts';
import { loadOrCreateSigningKeys } from '../../src/oidc/signing-keys.ts';
import { createTestResources, quietLogger, usingPostgres, type TestResources } from '../support/environment.ts';

let resources: TestResources;
let db: Database;
let accounts: AccountService;
let repository: AccountRepository;

beforeAll(async () => {
  resources = await createTestResources();
  db = await openDatabase(usingPostgres ? { url: resources.databaseUrl!, poolSize: 4 } : { inMemory: true }, quietLogger());
  await applyMigrations(db.sql, await readMigrations());
  repository = new AccountRepository(db.prisma);
  accounts = new AccountService(repository, new PasswordHasher());
});
afterAll(async () => {
  await db.close();
  await resources.cleanup();
});

describe('accounts', () => {
  test('emails are unique whatever their case, and sign-in ignores case', async () => {
    const account = await accounts.register({ email: 'Mixed.Case@Example.com', password: 'long enough passphrase' });
    expect(account.email).toBe('mixed.case@example.com');
    await expect(accounts.register({ email: 'MIXED.case@example.COM', password: 'long enough passphrase' })).rejects.toBeInstanceOf(DuplicateEmailError);
    expect((await accounts.authenticate('mixed.CASE@example.com', 'long enough passphrase'))?.id).toBe(account.id);
  });

  test('wrong passwords, unknown emails and disabled accounts all fail the same way', async () => {
    const account = await accounts.register({ email: 'off@example.com', password: 'long enough passphrase' });
    expect(await accounts.authenticate('off@example.com', 'wrong password')).toBeNull();
    expect(await accounts.authenticate('nobody@example.com', 'long enough passphrase')).toBeNull();
    await accounts.setDisabled(account.id, true);
    expect(await accounts.authenticate('off@example.com', 'long enough passphrase')).toBeNull();
  });

  test('the stored hash is argon2id and never the password', async () => {
    await accounts.register({ email: 'hash@example.com', password: 'long enough passphrase' });
    const stored = await repository.findByEmailWithHash('hash@example.com');
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored?.passwordHash).not.toContain('long enough passphrase');
  });

  test('a login rehashes a password hashed with other parameters', async () => {
    const weak = new AccountService(repository, new PasswordHasher(OWASP_ARGON2ID));
    await weak.register({ email: 'rehash@example.com', password: 'long enough passphrase' });
    const stronger = new AccountService(repository, new PasswordHasher({ ...OWASP_ARGON2ID, timeCost: 3 }));
    expect(await stronger.authenticate('rehash@example.com', 'long enough passphrase')).not.toBeNull();
    const stored = await repository.findByEmailWithHash('rehash@example.com');
    expect(stored?.passwordHash).toMatch(/\$m=19456,t=3,p=1\$/);
    expect(await stronger.authenticate('rehash@example.com', 'long enough passphrase')).not.toBeNull();
  });

  test('set-password replaces the hash', async () => {
    await accounts.register({ email: 'change@example.com', password: 'long enough passphrase' });
    await accounts.setPassword('change@example.com', 'a new longer password');
    expect(await accounts.authenticate('change@example.com', 'long enough passphrase')).toBeNull();
    expect(await accounts.authenticate('change@example.com', 'a new longer password')).not.toBeNull();
  });
});

describe('passwords are normalised (NFKC)', () => {
  const composed = 'caf\u00e9 crème every single morning';
  const decomposed = composed.normalize('NFD');

  test('the same password typed composed or decomposed signs in', async () => {
    await accounts.register({ email: 'nfkc@example.com', password: decomposed });
    expect(await accounts.authenticate('nfkc@example.com', composed)).not.toBeNull();
    expect(await accounts.authenticate('nfkc@example.com', decomposed)).not.toBeNull();
  });

  test('a password hashed as typed before normalisation still signs in once, and is then stored normalised', async () => {
    const account = await accounts.register({ email: 'legacy@example.com', password: 'a placeholder passphrase' });
    const hasher = new PasswordHasher();
    await repository.setPasswordHash(account.id, await hasher.hash(decomposed));
    expect(await accounts.authenticate('legacy@example.com', decomposed)).not.toBeNull();
    const stored = await repository.findByEmailWithHash('legacy@example.com');
    expect(await hasher.verify(stored!.passwordHash, composed)).toBe(true);
    expect(await hasher.verify(stored!.passwordHash, decomposed)).toBe(false);
  });
});

describe('keys that every instance must share', () => {
  test('signing keys are generated once and then read back identically', async () => {
    const first = await db.sql.withExclusiveLock(() => loadOrCreateSigningKeys(db.prisma));
    const second = await db.sql.withExclusiveLock(() => loadOrCreateSigningKeys(db.prisma));
    expect(first.map((k) => k.alg)).toEqual(['RS256', 'ES256']);
    expect(second).toEqual(first);
    expect(first.every((k) => typeof k.d === 'string')).toBe(true);
  });

  test('generated cookie keys are stored and reused; configured ones win', async () => {
    const generated = await resolveCookieKeys(db.prisma, undefined);
    expect(await resolveCookieKeys(db.prisma, undefined)).toEqual(generated);
    expect(generated[0]!.length).toBeGreaterThanOrEqual(32);
    expect(await resolveCookieKeys(db.prisma, ['k'.repeat(32)])).toEqual(['k'.repeat(32)]);
  });
});
