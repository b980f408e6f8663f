import { createLocalChangeFeed } from '../../src/cache/change-feed.ts';
import { LookupCache } from '../../src/cache/lookup-cache.ts';

describe('lookup cache', () => {
  test('remembers hits, never misses', async () => {
    const cache = new LookupCache<string>({ ttlSeconds: 60 });
    let calls = 0;
    const load = async (key: string) => {
      calls += 1;
      return key === 'known' ? 'value' : undefined;
    };
    expect(await cache.get('known', load)).toBe('value');
    expect(await cache.get('known', load)).toBe('value');
    expect(await cache.get('unknown', load)).toBeUndefined();
    expect(await cache.get('unknown', load)).toBeUndefined();
    expect(calls).toBe(3);
  });

  test('concurrent loads of one key share one query', async () => {
    const cache = new LookupCache<number>({ ttlSeconds: 60 });
    let calls = 0;
    const load = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return 1;
    };
    await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)]);
    expect(calls).toBe(1);
  });

  test('invalidation drops an entry, and a load racing it does not bring the old value back', async () => {
    const cache = new LookupCache<string>({ ttlSeconds: 60 });
    let value = 'old';
    let release!: () => void;
    const slow = () => new Promise<string>((resolve) => (release = () => resolve(value)));
    const racing = cache.get('k', slow);
    cache.invalidate('k');
    release();
    expect(await racing).toBe('old');
    value = 'new';
    expect(await cache.get('k', async () => value)).toBe('new');
  });

  test('entries expire', async () => {
    const cache = new LookupCache<number>({ ttlSeconds: 0.05 });
    let n = 0;
    const load = async () => ++n;
    expect(await cache.get('k', load)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await cache.get('k', load)).toBe(2);
  });

  test('the local change feed reaches its listeners', async () => {
    const feed = createLocalChangeFeed();
    const seen: string[] = [];
    feed.onChange((change) => seen.push(`${change.kind}:${change.id}`));
    await feed.publish({ kind: 'client', id: 'abc' });
    expect(seen).toEqual(['client:abc']);
  });
});
