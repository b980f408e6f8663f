import { createLocalChangeFeed } from '../../src/cache/change-feed.ts';
import { LookupCache } from '../../src/cache/lookup-cache.ts';
import { ManualClock } from '../support/manual-clock.ts';

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
    let release!: () => void;
    // Stays loading until the test releases it, so all three lookups overlap it.
    const load = () => {
      calls += 1;
      return new Promise<number>((resolve) => (release = () => resolve(1)));
    };
    const lookups = Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)]);
    release();
    expect(await lookups).toEqual([1, 1, 1]);
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
    const clock = new ManualClock();
    const cache = new LookupCache<number>({ ttlSeconds: 60, now: () => clock.now });
    let n = 0;
    const load = async () => ++n;
    expect(await cache.get('k', load)).toBe(1);
    clock.advance(59_999);
    expect(await cache.get('k', load)).toBe(1);
    clock.advance(1); // the TTL has passed
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
