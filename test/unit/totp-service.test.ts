import { generate } from 'otplib';
import type { AuditEventInput } from '../../src/audit/audit-log.ts';
import { createKeySealer, isSealed, type KeySealer } from '../../src/crypto/key-sealer.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { applyMigrations, readMigrations } from '../../src/db/migrate.ts';
import { createCodeThrottle } from '../../src/mfa/code-throttle.ts';
import { matchingTimeStep, TOTP_PERIOD_SECONDS } from '../../src/mfa/totp-codes.ts';
import { TotpRepository } from '../../src/mfa/totp-repository.ts';
import { PENDING_ENROLMENT_SECONDS, TotpService } from '../../src/mfa/totp-service.ts';
import { createTestResources, quietLogger, usingPostgres, type TestResources } from '../support/environment.ts';

const LIMITS = {
  maxAttempts: 5,
  windowSeconds: 900,
  maxFailuresPerAddress: 100,
  addressWindowSeconds: 3600,
  maxFailuresPerAccount: 20,
  accountWindowSeconds: 3600,
  knownAddressSeconds: 3600,
  maxInFlightPerAddress: 4,
  redis: undefined,
} as const;
const ADDRESS = '203.0.113.7';

let resources: TestResources;
let db: Database;
let accountNumber = 0;
const sealer = createKeySealer('a key-encryption key of at least thirty-two characters');

beforeAll(async () => {
  resources = await createTestResources();
  db = await openDatabase(usingPostgres ? { url: resources.databaseUrl!, poolSize: 4 } : { inMemory: true }, quietLogger());
  await applyMigrations(db.sql, await readMigrations());
});
afterAll(async () => {
  await db.close();
  await resources.cleanup();
});

/** A service over the test database with its own clock (epoch seconds), audit trail and counters. */
function serviceFor(options: { sealer?: KeySealer | undefined; keyPrefix?: string } = {}) {
  const clock = { now: Math.floor(Date.now() / 1000) };
  const events: AuditEventInput[] = [];
  const service = new TotpService({
    repository: new TotpRepository(db.prisma, 'sealer' in options ? options.sealer : sealer),
    throttle: createCodeThrottle({ ...LIMITS, keyPrefix: options.keyPrefix ?? `unit:${Math.random()}:` }),
    audit: { recordInBackground: (event) => void events.push(event) },
    productName: 'Portcullis',
    now: () => clock.now,
  });
  return { service, clock, events };
}

async function newAccount(): Promise<string> {
  accountNumber += 1;
  const account = await db.prisma.account.create({
    data: {
      id: `totp-account-${accountNumber}`,
      email: `totp${accountNumber}@example.com`,
      passwordHash: 'not used here',
      updatedAt: new Date(),
    },
  });
  return account.id;
}

const codeAt = (secret: string, epoch: number) => generate({ secret, epoch });

/** An account with TOTP on; its secret and the recovery codes it was given. */
async function enrolled(setup: ReturnType<typeof serviceFor>) {
  const accountId = await newAccount();
  const enrolment = (await setup.service.startEnrolment(accountId, `${accountId}@example.com`))!;
  const confirmation = await setup.service.confirmEnrolment(accountId, await codeAt(enrolment.secret, setup.clock.now), ADDRESS);
  if (confirmation.refused) throw new Error(`not confirmed: ${confirmation.refused}`);
  // The next sign-in comes a step later: the confirming code is used up.
  setup.clock.now += TOTP_PERIOD_SECONDS;
  return { accountId, secret: enrolment.secret, recoveryCodes: confirmation.recoveryCodes };
}

describe('TOTP enrolment', () => {
  test('a new secret is pending (reloads show it again) until a right code confirms it; then 10 recovery codes', async () => {
    const { service, clock, events } = serviceFor();
    const accountId = await newAccount();
    const first = (await service.startEnrolment(accountId, 'ada@example.com'))!;
    expect(first.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(first.uri).toMatch(/^otpauth:\/\/totp\/Portcullis:ada%40example\.com\?/);
    expect(new URL(first.uri).searchParams.get('secret')).toBe(first.secret);
    expect(new URL(first.uri).searchParams.get('issuer')).toBe('Portcullis');
    expect((await service.startEnrolment(accountId, 'ada@example.com'))!.secret).toBe(first.secret);
    expect(await service.summary(accountId)).toEqual({ enrolled: false, recoveryCodesLeft: 0 });

    const wrong = String((Number(await codeAt(first.secret, clock.now)) + 1) % 1_000_000).padStart(6, '0');
    expect(await service.confirmEnrolment(accountId, wrong, ADDRESS)).toEqual({ refused: 'wrong-code' });
    const confirmed = await service.confirmEnrolment(accountId, await codeAt(first.secret, clock.now), ADDRESS);
    expect(confirmed.refused ? [] : confirmed.recoveryCodes).toHaveLength(10);
    expect(await service.summary(accountId)).toEqual({ enrolled: true, recoveryCodesLeft: 10 });
    expect(events.map((event) => event.action)).toEqual(['user.totp_enrolled']);
    expect(events[0]).toMatchObject({ actor: `user:${accountId}`, target: accountId, address: ADDRESS });

    // On already: no new enrolment, and the confirmed secret stays.
    expect(await service.startEnrolment(accountId, 'ada@example.com')).toBeUndefined();
    expect(await service.confirmEnrolment(accountId, await codeAt(first.secret, clock.now), ADDRESS)).toEqual({ refused: 'not-pending' });
  });

  test('a pending secret expires: it can no longer be confirmed, and a fresh one replaces it', async () => {
    const { service, clock } = serviceFor();
    const accountId = await newAccount();
    const stale = (await service.startEnrolment(accountId, 'late@example.com'))!;
    clock.now += PENDING_ENROLMENT_SECONDS + 60;
    expect(await service.confirmEnrolment(accountId, await codeAt(stale.secret, clock.now), ADDRESS)).toEqual({ refused: 'not-pending' });
    const fresh = (await service.startEnrolment(accountId, 'late@example.com'))!;
    expect(fresh.secret).not.toBe(stale.secret);
  });

  test('secrets are sealed at rest with KEY_ENCRYPTION_KEY; only hashes of recovery codes are stored', async () => {
    const setup = serviceFor();
    const { accountId, secret, recoveryCodes } = await enrolled(setup);
    const row = await db.prisma.totpCredential.findUniqueOrThrow({ where: { accountId } });
    expect(isSealed(row.secret)).toBe(true);
    const stored = JSON.stringify(await db.prisma.recoveryCode.findMany({ where: { accountId } })) + JSON.stringify(row);
    expect(stored).not.toContain(secret);
    for (const code of recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace('-', ''));
    }
  });

  test('without a key (development) the secret is stored in the clear, and sealed on its next use once a key is configured', async () => {
    const clear = serviceFor({ sealer: undefined });
    const { accountId, secret } = await enrolled(clear);
    expect((await db.prisma.totpCredential.findUniqueOrThrow({ where: { accountId } })).secret).toBe(secret);
    const sealed = serviceFor();
    sealed.clock.now = clear.clock.now;
    expect(await sealed.service.checkCode(accountId, await codeAt(secret, sealed.clock.now), ADDRESS)).toEqual({ accepted: 'totp' });
    const row = await db.prisma.totpCredential.findUniqueOrThrow({ where: { accountId } });
    expect(isSealed(row.secret)).toBe(true);
    expect(sealer.open(row.secret as never)).toBe(secret);
  });
});

describe('TOTP codes', () => {
  test('a code is accepted once; earlier steps are refused after it; one step of drift either way is allowed', async () => {
    const setup = serviceFor();
    const { service, clock } = setup;
    const { accountId, secret } = await enrolled(setup);
    const now = await codeAt(secret, clock.now);
    expect(await service.checkCode(accountId, now, ADDRESS)).toEqual({ accepted: 'totp' });
    expect(await service.checkCode(accountId, now, ADDRESS)).toEqual({ accepted: null });

    clock.now += 3 * TOTP_PERIOD_SECONDS;
    expect(await service.checkCode(accountId, await codeAt(secret, clock.now - 2 * TOTP_PERIOD_SECONDS), ADDRESS)).toEqual({
      accepted: null,
    });
    expect(await service.checkCode(accountId, await codeAt(secret, clock.now + 2 * TOTP_PERIOD_SECONDS), ADDRESS)).toEqual({
      accepted: null,
    });
    expect(await service.checkCode(accountId, await codeAt(secret, clock.now - TOTP_PERIOD_SECONDS), ADDRESS)).toEqual({
      accepted: 'totp',
    });
    // A phone a step ahead: its code is accepted, and then the current step's code is an earlier one.
    expect(await service.checkCode(accountId, await codeAt(secret, clock.now + TOTP_PERIOD_SECONDS), ADDRESS)).toEqual({
      accepted: 'totp',
    });
    expect(await service.checkCode(accountId, await codeAt(secret, clock.now), ADDRESS)).toEqual({ accepted: null });
  });

  test('two instances given the same code at the same moment accept it exactly once', async () => {
    const first = serviceFor();
    const { accountId, secret } = await enrolled(first);
    const second = serviceFor();
    second.clock.now = first.clock.now;
    const code = await codeAt(secret, first.clock.now);
    const results = await Promise.all([first, second, first, second].map(({ service }) => service.checkCode(accountId, code, ADDRESS)));
    expect(results.filter((result) => !result.refused && result.accepted === 'totp')).toHaveLength(1);
  });

  test('a recovery code works once, however it is typed, wherever a code is asked; each use is audited', async () => {
    const setup = serviceFor();
    const { service, events } = setup;
    const { accountId, recoveryCodes } = await enrolled(setup);
    const [code, other] = recoveryCodes as [string, string];
    expect(await service.checkCode(accountId, ` ${code.toUpperCase().replace('-', ' ')} `, ADDRESS)).toEqual({ accepted: 'recovery-code' });
    expect(await service.checkCode(accountId, code, ADDRESS)).toEqual({ accepted: null });
    expect(await service.summary(accountId)).toEqual({ enrolled: true, recoveryCodesLeft: 9 });
    expect(events.at(-1)).toMatchObject({ action: 'user.recovery_code_used', detail: { recovery_codes_left: 9 } });
    // Another account's code is not this account's.
    const someoneElse = await enrolled(setup);
    expect(await service.checkCode(someoneElse.accountId, other, ADDRESS)).toEqual({ accepted: null });
  });

  test('wrong codes are throttled like passwords: refused with a wait, even the right code, once the limit is reached', async () => {
    const setup = serviceFor();
    const { service, clock } = setup;
    const { accountId, secret } = await enrolled(setup);
    for (let i = 0; i < LIMITS.maxAttempts; i += 1)
      expect(await service.checkCode(accountId, '000000', ADDRESS)).toEqual({ accepted: null });
    const refused = await service.checkCode(accountId, await codeAt(secret, clock.now), ADDRESS);
    expect(refused.refused).toMatchObject({ reason: 'too-many-failures', status: 429 });
    expect(refused.refused!.retryAfter).toBeGreaterThan(0);
    // Counted per account: another account from the same address is not held back.
    const other = await enrolled(setup);
    expect(await service.checkCode(other.accountId, await codeAt(other.secret, clock.now), ADDRESS)).toEqual({ accepted: 'totp' });
  });

  test('matchingTimeStep refuses what is not six digits without asking otplib', async () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    for (const code of ['', '12345', '1234567', 'abcdef', '12 34 5'])
      expect(await matchingTimeStep(secret, code, { nowSeconds: 1_700_000_000, after: null })).toBeNull();
    const code = await codeAt(secret, 1_700_000_000);
    expect(await matchingTimeStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, { nowSeconds: 1_700_000_000, after: null })).toBe(
      Math.floor(1_700_000_000 / 30),
    );
    // A last-used step ahead of this instance's clock (another instance's clock runs fast): nothing, and no exception.
    expect(await matchingTimeStep(secret, code, { nowSeconds: 1_700_000_000, after: Math.floor(1_700_000_000 / 30) + 5 })).toBeNull();
  });
});

describe('recovery codes and removal', () => {
  test('new recovery codes replace every earlier one', async () => {
    const setup = serviceFor();
    const { service, events } = setup;
    const { accountId, recoveryCodes } = await enrolled(setup);
    const renewed = (await service.regenerateRecoveryCodes(accountId, ADDRESS))!;
    expect(renewed).toHaveLength(10);
    expect(events.at(-1)).toMatchObject({ action: 'user.recovery_codes_regenerated' });
    expect(await service.checkCode(accountId, recoveryCodes[0]!, ADDRESS)).toEqual({ accepted: null });
    expect(await service.checkCode(accountId, renewed[0]!, ADDRESS)).toEqual({ accepted: 'recovery-code' });
    expect(await service.regenerateRecoveryCodes(await newAccount(), ADDRESS)).toBeUndefined();
  });

  test('turning TOTP off takes a current code or a recovery code, and takes the recovery codes with it', async () => {
    const setup = serviceFor();
    const { service, clock, events } = setup;
    const { accountId, secret, recoveryCodes } = await enrolled(setup);
    expect(await service.remove(accountId, '000000', ADDRESS)).toEqual({ accepted: null });
    expect(await service.isEnrolled(accountId)).toBe(true);
    expect(await service.remove(accountId, await codeAt(secret, clock.now), ADDRESS)).toEqual({ accepted: 'totp' });
    expect(await service.summary(accountId)).toEqual({ enrolled: false, recoveryCodesLeft: 0 });
    expect(await db.prisma.recoveryCode.count({ where: { accountId } })).toBe(0);
    expect(events.at(-1)).toMatchObject({ action: 'user.totp_removed', detail: { confirmed_with: 'totp' } });

    const again = await enrolled(setup);
    expect(await service.remove(again.accountId, again.recoveryCodes[3]!, ADDRESS)).toEqual({ accepted: 'recovery-code' });
    expect(await service.isEnrolled(again.accountId)).toBe(false);
    expect(recoveryCodes).not.toEqual(again.recoveryCodes);
  });

  test('deleting the account deletes its credential and codes', async () => {
    const setup = serviceFor();
    const { accountId } = await enrolled(setup);
    await db.prisma.account.delete({ where: { id: accountId } });
    expect(await db.prisma.totpCredential.count({ where: { accountId } })).toBe(0);
    expect(await db.prisma.recoveryCode.count({ where: { accountId } })).toBe(0);
  });
});
