import { WorkQueue } from '../../src/accounts/work-queue.ts';
import { createLoginThrottle, type LoginThrottleOptions } from '../../src/interactions/login-throttle.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { slowHash, until } from './queue-fakes.ts';

const LIMITS: LoginThrottleOptions = {
  maxAttempts: 3,
  windowSeconds: 900,
  maxFailuresPerAddress: 5,
  addressWindowSeconds: 3600,
  maxFailuresPerAccount: 4,
  accountWindowSeconds: 3600,
  knownAddressSeconds: 3600,
  maxInFlightPerAddress: 2,
  redis: undefined,
  keyPrefix: 'unit:',
};

const ACCOUNT = { id: 'user-1' };
const passwordCheck = (password: string) => async () => (password === 'right' ? ACCOUNT : null);
const statusOf = (outcome: { refused?: { status: number } | undefined; account?: unknown }) =>
  outcome.refused ? outcome.refused.status : outcome.account ? 200 : 401;

describe('login throttle', () => {
  test('one address is throttled across emails after its failure limit, other addresses are not', async () => {
    const throttle = createLoginThrottle(LIMITS);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      statuses.push(statusOf(await throttle.signIn({ email: `user${i}@example.com`, address: '203.0.113.1' }, passwordCheck('wrong'))));
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const refused = await throttle.signIn({ email: 'another@example.com', address: '203.0.113.1' }, passwordCheck('right'));
    expect(refused.refused).toMatchObject({ reason: 'too-many-failures', status: 429 });
    expect(refused.refused!.retryAfter).toBeGreaterThan(0);
    expect(statusOf(await throttle.signIn({ email: 'user0@example.com', address: '203.0.113.2' }, passwordCheck('wrong')))).toBe(401);
  });

  test('a success gives back only its own attempt, so a valid account cannot reset the address count', async () => {
    const throttle = createLoginThrottle(LIMITS);
    for (let i = 0; i < 4; i += 1)
      await throttle.signIn({ email: `spray${i}@example.com`, address: '203.0.113.3' }, passwordCheck('wrong'));
    expect(statusOf(await throttle.signIn({ email: 'own@example.com', address: '203.0.113.3' }, passwordCheck('right')))).toBe(200);
    expect(statusOf(await throttle.signIn({ email: 'spray4@example.com', address: '203.0.113.3' }, passwordCheck('wrong')))).toBe(401);
    expect(statusOf(await throttle.signIn({ email: 'spray5@example.com', address: '203.0.113.3' }, passwordCheck('wrong')))).toBe(429);
  });

  test('the account limit counts failures from unknown addresses; an address with a recent success is not locked out', async () => {
    const throttle = createLoginThrottle(LIMITS);
    const email = 'victim@example.com';
    expect(statusOf(await throttle.signIn({ email, address: '198.51.100.1' }, passwordCheck('right')))).toBe(200);

    const attack: number[] = [];
    for (let i = 10; i < 16; i += 1)
      attack.push(statusOf(await throttle.signIn({ email: 'Victim@Example.com', address: `192.0.2.${i}` }, passwordCheck('wrong'))));
    expect(attack).toEqual([401, 401, 401, 401, 429, 429]);
    // A new address is refused even with the right password: the trade-off for the user's usual address staying open.
    expect(statusOf(await throttle.signIn({ email, address: '192.0.2.99' }, passwordCheck('right')))).toBe(429);

    expect(statusOf(await throttle.signIn({ email, address: '198.51.100.1' }, passwordCheck('wrong')))).toBe(401);
    expect(statusOf(await throttle.signIn({ email, address: '198.51.100.1' }, passwordCheck('right')))).toBe(200);
  });

  test('parallel attempts cannot slip past the account limit', async () => {
    const throttle = createLoginThrottle(LIMITS);
    let checked = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        throttle.signIn({ email: 'parallel@example.com', address: `192.0.2.${i}` }, async () => {
          checked += 1;
          return null;
        }),
      ),
    );
    expect(checked).toBe(LIMITS.maxFailuresPerAccount);
    expect(outcomes.filter((outcome) => outcome.refused?.status === 429)).toHaveLength(20 - LIMITS.maxFailuresPerAccount);
  });

  test('one address may have only a few sign-ins in flight: the excess gets 429, other addresses go on', async () => {
    const throttle = createLoginThrottle({ ...LIMITS, maxAttempts: 100, maxFailuresPerAddress: 100, maxFailuresPerAccount: 100 });
    const fake = slowHash();
    const check = () => fake.hash().then(() => null);
    const held = [0, 1].map((i) => throttle.signIn({ email: `held${i}@example.com`, address: '203.0.113.9' }, check));
    await until(() => fake.running === 2);

    const excess = await throttle.signIn({ email: 'excess@example.com', address: '203.0.113.9' }, check);
    expect(excess.refused).toEqual({ reason: 'too-many-in-flight', status: 429, retryAfter: 1 });
    const other = throttle.signIn({ email: 'other@example.com', address: '203.0.113.10' }, check);
    await until(() => fake.running === 3);

    for (let i = 0; i < 3; i += 1) fake.finishOne();
    expect((await Promise.all([...held, other])).map(statusOf)).toEqual([401, 401, 401]);
    const afterwards = throttle.signIn({ email: 'excess@example.com', address: '203.0.113.9' }, check);
    await until(() => fake.running === 1);
    fake.finishOne();
    expect(statusOf(await afterwards)).toBe(401);
  });

  test('a password check that cannot get a hashing slot in time gets 503, and its attempt is given back', async () => {
    const throttle = createLoginThrottle({ ...LIMITS, maxAttempts: 1 });
    const clock = new ManualClock();
    const queue = new WorkQueue({ concurrency: 1, waitTimeoutMs: 2000, clock });
    const fake = slowHash();
    const occupied = queue.run(fake.hash);

    const waiting = throttle.signIn({ email: 'busy@example.com', address: '203.0.113.20' }, () => queue.run(async () => ACCOUNT));
    await until(() => queue.waiting === 1);
    clock.advance(2000);
    expect((await waiting).refused).toEqual({ reason: 'busy', status: 503, retryAfter: 2 });

    fake.finishOne();
    await occupied;
    // maxAttempts is 1: had the busy attempt counted, this one would be refused.
    expect(statusOf(await throttle.signIn({ email: 'busy@example.com', address: '203.0.113.20' }, passwordCheck('wrong')))).toBe(401);
  });

  test('IPv6 clients are counted per /64', async () => {
    const throttle = createLoginThrottle(LIMITS);
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i += 1) {
      statuses.push(
        statusOf(
          await throttle.signIn({ email: `v6-${i}@example.com`, address: `2001:db8:1:2::${i.toString(16)}` }, passwordCheck('wrong')),
        ),
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(statusOf(await throttle.signIn({ email: 'v6-1@example.com', address: '2001:db8:1:3::1' }, passwordCheck('wrong')))).toBe(401);
  });
});
