import { Redis } from 'ioredis';
import { MemoryAdapter, MemoryStore } from '../../src/adapters/memory-adapter.ts';
import { AlreadyConsumedError, type ArtifactAdapter } from '../../src/adapters/models.ts';
import { RedisAdapter } from '../../src/adapters/redis-adapter.ts';
import { createTestResources, type TestResources } from '../support/environment.ts';

/**
 * One contract, every store: oidc-provider's adapter semantics (TTL, consume, uid and user code
 * lookups, grant revocation) checked against Redis and the embedded store alike.
 */
interface StoreUnderTest {
  adapter(model: string): ArtifactAdapter;
  close(): Promise<void>;
}

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = async () => {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
};

const stores: Array<[string, () => Promise<StoreUnderTest>]> = [
  [
    'embedded store',
    async () => {
      const store = new MemoryStore();
      return { adapter: (model) => new MemoryAdapter(model, store), close: async () => store.close() };
    },
  ],
  [
    'redis',
    async () => {
      const resources: TestResources = await createTestResources();
      const redis = new Redis(redisUrl);
      return {
        adapter: (model) => new RedisAdapter(model, redis, resources.keyPrefix),
        close: async () => {
          await redis.quit();
          await resources.cleanup();
        },
      };
    },
  ],
];

const mustHaveRedis = Boolean(process.env.REDIS_URL);
const haveRedis = mustHaveRedis || (await redisReachable());

describe.each(stores)('adapter contract: %s', (name, open) => {
  const run = name === 'redis' && !haveRedis ? describe.skip : describe;
  run('', () => {
    let store: StoreUnderTest;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(() => store.close());

    test('upsert then find returns an equal copy, not the same object', async () => {
      const payload = { kind: 'Session', accountId: 'a1', uid: 'u-1', nested: { x: [1, 2] } };
      await store.adapter('Session').upsert('s-1', payload, 60);
      const found = await store.adapter('Session').find('s-1');
      expect(found).toEqual(payload);
      expect(found).not.toBe(payload);
    });

    test('find of an unknown id is undefined', async () => {
      expect(await store.adapter('AccessToken').find('missing')).toBeUndefined();
    });

    test('models are separate namespaces', async () => {
      await store.adapter('AccessToken').upsert('same-id', { kind: 'AccessToken' }, 60);
      expect(await store.adapter('RefreshToken').find('same-id')).toBeUndefined();
    });

    test('entries expire after their TTL, consumed or not', async () => {
      await store.adapter('Interaction').upsert('short', { kind: 'Interaction' }, 1);
      await store.adapter('AuthorizationCode').upsert('c-ttl', { kind: 'AuthorizationCode' }, 1);
      await store.adapter('AuthorizationCode').consume('c-ttl');
      expect(await store.adapter('Interaction').find('short')).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect(await store.adapter('Interaction').find('short')).toBeUndefined();
      expect(await store.adapter('AuthorizationCode').find('c-ttl')).toBeUndefined();
    });

    test('findByUid finds a session by its uid', async () => {
      await store.adapter('Session').upsert('s-2', { kind: 'Session', uid: 'uid-2' }, 60);
      expect(await store.adapter('Session').findByUid('uid-2')).toMatchObject({ uid: 'uid-2' });
      expect(await store.adapter('Session').findByUid('uid-unknown')).toBeUndefined();
    });

    test('findByUserCode finds a device code by its user code', async () => {
      await store.adapter('DeviceCode').upsert('dc-1', { kind: 'DeviceCode', userCode: 'ABCD-EFGH', grantId: 'g-dc' }, 60);
      expect(await store.adapter('DeviceCode').findByUserCode('ABCD-EFGH')).toMatchObject({ userCode: 'ABCD-EFGH' });
    });

    test('consume marks a code consumed and keeps it findable', async () => {
      await store.adapter('AuthorizationCode').upsert('c-1', { kind: 'AuthorizationCode', grantId: 'g-1' }, 60);
      await store.adapter('AuthorizationCode').consume('c-1');
      const found = await store.adapter('AuthorizationCode').find('c-1');
      expect(typeof found?.consumed).toBe('number');
      expect(found?.grantId).toBe('g-1');
    });

    test('a second consume is refused, even when both race', async () => {
      await store.adapter('RefreshToken').upsert('r-1', { kind: 'RefreshToken', grantId: 'g-r' }, 60);
      const results = await Promise.allSettled([
        store.adapter('RefreshToken').consume('r-1'),
        store.adapter('RefreshToken').consume('r-1'),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(AlreadyConsumedError);
      expect((rejected.reason as AlreadyConsumedError).grantId).toBe('g-r');
    });

    test('destroy removes an entry', async () => {
      await store.adapter('AccessToken').upsert('at-d', { kind: 'AccessToken' }, 60);
      await store.adapter('AccessToken').destroy('at-d');
      expect(await store.adapter('AccessToken').find('at-d')).toBeUndefined();
    });

    test('revokeByGrantId removes every artifact of the grant and nothing else', async () => {
      await store.adapter('AccessToken').upsert('at-g', { kind: 'AccessToken', grantId: 'grant-x' }, 60);
      await store.adapter('RefreshToken').upsert('rt-g', { kind: 'RefreshToken', grantId: 'grant-x' }, 3600);
      await store.adapter('AuthorizationCode').upsert('ac-g', { kind: 'AuthorizationCode', grantId: 'grant-x' }, 60);
      await store.adapter('AccessToken').upsert('at-other', { kind: 'AccessToken', grantId: 'grant-y' }, 60);
      await store.adapter('RefreshToken').revokeByGrantId('grant-x');
      expect(await store.adapter('AccessToken').find('at-g')).toBeUndefined();
      expect(await store.adapter('RefreshToken').find('rt-g')).toBeUndefined();
      expect(await store.adapter('AuthorizationCode').find('ac-g')).toBeUndefined();
      expect(await store.adapter('AccessToken').find('at-other')).toBeDefined();
    });

    test('an upsert without expiry is kept', async () => {
      await store.adapter('Grant').upsert('forever', { kind: 'Grant' });
      expect(await store.adapter('Grant').find('forever')).toEqual({ kind: 'Grant' });
    });
  });
});

test('redis keys of one grant share a hash slot with the grant', async () => {
  const { keys } = await import('../../src/adapters/redis-adapter.ts');
  const k = keys('p:');
  const tag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];
  expect(tag(k.grantIndex('g1'))).toBe(tag(k.artifact('Grant', 'g1')));
  expect(tag(k.artifact('AccessToken', 'abc'))).toBe('abc');
});

(haveRedis ? test : test.skip)('redis grant indexes expire with their longest-lived member', async () => {
  const resources = await createTestResources();
  const redis = new Redis(redisUrl);
  try {
    const adapter = (model: string) => new RedisAdapter(model, redis, resources.keyPrefix);
    await adapter('AccessToken').upsert('ttl-a', { grantId: 'g-ttl' }, 60);
    await adapter('RefreshToken').upsert('ttl-r', { grantId: 'g-ttl' }, 600);
    await adapter('AccessToken').upsert('ttl-b', { grantId: 'g-ttl' }, 30);
    const ttl = await redis.ttl(`${resources.keyPrefix}grant:{g-ttl}`);
    expect(ttl).toBeGreaterThan(550);
    expect(ttl).toBeLessThanOrEqual(600);
  } finally {
    await redis.quit();
    await resources.cleanup();
  }
});

test.each(stores.map(([name]) => name))('consuming an artifact that vanished is refused (%s)', async (name) => {
  if (name === 'redis' && !haveRedis) return;
  const store = await stores.find(([n]) => n === name)![1]();
  try {
    await expect(store.adapter('RefreshToken').consume('never-stored')).rejects.toBeInstanceOf(AlreadyConsumedError);
  } finally {
    await store.close();
  }
});
