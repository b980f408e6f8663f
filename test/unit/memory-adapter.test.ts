import { MemoryArtifacts, MemoryStore } from '../../src/adapters/memory-adapter.ts';
import { AlreadyConsumedError } from '../../src/adapters/models.ts';
import { ManualClock } from '../support/manual-clock.ts';

/**
 * Expiry of the embedded store, with time moved by the test instead of waited for. (The adapter
 * contract, test/integration/adapter-contract.test.ts, checks the same TTL semantics on every store.)
 */
describe('embedded artifact store: expiry', () => {
  let clock: ManualClock;
  let artifacts: MemoryArtifacts;
  const adapter = (model: string) => artifacts.adapterFor(model);
  beforeEach(() => {
    clock = new ManualClock(Date.UTC(2030, 0, 1));
    artifacts = new MemoryArtifacts(new MemoryStore({ now: () => clock.now }));
  });
  afterEach(() => artifacts.close());

  test('entries expire after their TTL, consumed or not', async () => {
    await adapter('Interaction').upsert('short', { kind: 'Interaction' }, 1);
    await adapter('AuthorizationCode').upsert('c-ttl', { kind: 'AuthorizationCode' }, 1);
    await adapter('AuthorizationCode').consume('c-ttl');
    clock.advance(999);
    expect(await adapter('Interaction').find('short')).toBeDefined();
    expect(await adapter('AuthorizationCode').find('c-ttl')).toMatchObject({ consumed: expect.any(Number) });
    clock.advance(1);
    expect(await adapter('Interaction').find('short')).toBeUndefined();
    expect(await adapter('AuthorizationCode').find('c-ttl')).toBeUndefined();
  });

  test('a fractional expiresIn is rounded up to whole seconds, as in Redis', async () => {
    await adapter('AccessToken').upsert('at-frac', { kind: 'AccessToken' }, 0.2);
    clock.advance(999);
    expect(await adapter('AccessToken').find('at-frac')).toBeDefined();
    clock.advance(1);
    expect(await adapter('AccessToken').find('at-frac')).toBeUndefined();
  });

  test('an upsert without expiry is kept however much time passes', async () => {
    await adapter('Grant').upsert('forever', { kind: 'Grant' });
    clock.advance(10 * 365 * 24 * 3600 * 1000);
    artifacts.store.sweep();
    expect(await adapter('Grant').find('forever')).toEqual({ jti: 'forever', kind: 'Grant' });
  });

  test('uid and user code lookups expire with what they point to', async () => {
    await adapter('Session').upsert('s-ttl', { kind: 'Session', uid: 'uid-ttl', accountId: 'a-ttl' }, 60);
    await adapter('DeviceCode').upsert('dc-ttl', { jti: 'dc-ttl', kind: 'DeviceCode', userCode: 'TTL-CODE', clientId: 'c-ttl' }, 60);
    clock.advance(59_999);
    expect(await adapter('Session').findByUid('uid-ttl')).toMatchObject({ accountId: 'a-ttl' });
    expect(await adapter('DeviceCode').findByUserCode('TTL-CODE')).toMatchObject({ jti: 'dc-ttl' });
    clock.advance(1);
    expect(await adapter('Session').findByUid('uid-ttl')).toBeUndefined();
    expect(await adapter('DeviceCode').findByUserCode('TTL-CODE')).toBeUndefined();
  });

  test('consuming an expired artifact is refused', async () => {
    await adapter('RefreshToken').upsert('rt-ttl', { kind: 'RefreshToken', grantId: 'g-ttl' }, 30);
    clock.advance(30_000);
    await expect(adapter('RefreshToken').consume('rt-ttl')).rejects.toBeInstanceOf(AlreadyConsumedError);
  });

  test('the consumed stamp is read from the store clock', async () => {
    await adapter('AuthorizationCode').upsert('c-stamp', { kind: 'AuthorizationCode' }, 60);
    clock.advance(5_000);
    await adapter('AuthorizationCode').consume('c-stamp');
    expect((await adapter('AuthorizationCode').find('c-stamp'))?.consumed).toBe(Math.floor(clock.now / 1000));
  });

  test('index members expire with their artifact; revocation still reaches the live ones', async () => {
    await adapter('AccessToken').upsert('at-short', { kind: 'AccessToken', grantId: 'g-idx' }, 60);
    await adapter('RefreshToken').upsert('rt-long', { kind: 'RefreshToken', grantId: 'g-idx' }, 600);
    const members = () => [...artifacts.store.dump()].filter(([key]) => key.startsWith('grant:')).map(([, value]) => value);
    expect(members()).toEqual([[expect.stringMatching(/^AccessToken:/), expect.stringMatching(/^RefreshToken:/)]]);
    clock.advance(60_000);
    expect(members()).toEqual([[expect.stringMatching(/^RefreshToken:/)]]);
    expect(await adapter('RefreshToken').find('rt-long')).toBeDefined();
    await adapter('AccessToken').revokeByGrantId('g-idx');
    expect(await adapter('RefreshToken').find('rt-long')).toBeUndefined();
  });

  test('a sweep drops what has expired, and only that', async () => {
    await adapter('AccessToken').upsert('at-1', { kind: 'AccessToken', clientId: 'c-sweep' }, 60);
    await adapter('AccessToken').upsert('at-2', { kind: 'AccessToken', clientId: 'c-sweep' }, 120);
    expect(artifacts.store.size).toBe(2);
    clock.advance(60_000);
    artifacts.store.sweep();
    expect(artifacts.store.size).toBe(1);
    expect(await adapter('AccessToken').find('at-2')).toBeDefined();
    clock.advance(60_000);
    artifacts.store.sweep();
    expect(artifacts.store.size).toBe(0);
    expect([...artifacts.store.dump()]).toEqual([]);
  });
});

describe('embedded artifact store: default clock', () => {
  test('without an injected clock it keeps time by the system clock', async () => {
    const artifacts = new MemoryArtifacts();
    try {
      const before = Date.now();
      expect(artifacts.store.now()).toBeGreaterThanOrEqual(before);
      expect(artifacts.store.expiryOf(60)).toBeGreaterThanOrEqual(before + 60_000);
      expect(artifacts.store.expiryOf(0)).toBe(Infinity);
      await artifacts.adapterFor('AccessToken').upsert('at-real', { kind: 'AccessToken' }, 60);
      expect(await artifacts.adapterFor('AccessToken').find('at-real')).toEqual({ jti: 'at-real', kind: 'AccessToken' });
    } finally {
      artifacts.close();
    }
  });
});
