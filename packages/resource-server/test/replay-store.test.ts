import { MemoryReplayStore, ReplayStoreFullError } from '../src/replay-store.ts';

const TTL = 1_000;

test('a key is recorded once, then reported as replayed until it expires', () => {
  const store = new MemoryReplayStore({ maxEntries: 10 });
  expect(store.remember('a', TTL, 0)).toBe('recorded');
  expect(store.remember('a', TTL, TTL - 1)).toBe('replayed');
  expect(store.remember('a', TTL, TTL)).toBe('recorded');
});

test('when full of live keys, new keys are refused and no live key is forgotten', () => {
  const store = new MemoryReplayStore({ maxEntries: 2 });
  expect(store.remember('a', TTL, 0)).toBe('recorded');
  expect(store.remember('b', TTL, 10)).toBe('recorded');
  for (let i = 0; i < 5; i += 1) expect(store.remember(`new-${i}`, TTL, 20)).toBe('full');
  expect(store.remember('a', TTL, 30)).toBe('replayed');
  expect(store.remember('b', TTL, 30)).toBe('replayed');
  expect(store.size).toBe(2);
});

test('expired keys are evicted to make room, live ones are kept', () => {
  const store = new MemoryReplayStore({ maxEntries: 2 });
  store.remember('a', TTL, 0);
  store.remember('b', TTL, 500);
  expect(store.remember('c', TTL, TTL)).toBe('recorded'); // 'a' expired at TTL
  expect(store.remember('b', TTL, TTL)).toBe('replayed');
  expect(store.remember('d', TTL, TTL)).toBe('full');
  expect(store.size).toBe(2);
});

test('recordOnce: true the first time, false for a replay, ReplayStoreFullError when full', () => {
  const store = new MemoryReplayStore({ maxEntries: 1 });
  expect(store.recordOnce('a', 60_000)).toBe(true);
  expect(store.recordOnce('a', 60_000)).toBe(false);
  expect(() => store.recordOnce('b', 60_000)).toThrow(ReplayStoreFullError);
});

test('maxEntries must be a positive integer', () => {
  expect(() => new MemoryReplayStore({ maxEntries: 0 })).toThrow(TypeError);
  expect(() => new MemoryReplayStore({ maxEntries: 1.5 })).toThrow(TypeError);
});
