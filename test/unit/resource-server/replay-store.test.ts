import { ReplayStore } from '../../../src/resource-server/replay-store.ts';

const TTL = 1_000;

test('a key is recorded once, then reported as replayed until it expires', () => {
  const store = new ReplayStore(10, TTL);
  expect(store.remember('a', 0)).toBe('recorded');
  expect(store.remember('a', TTL - 1)).toBe('replayed');
  expect(store.remember('a', TTL)).toBe('recorded');
});

test('when full of live keys, new keys are refused and no live key is forgotten', () => {
  const store = new ReplayStore(2, TTL);
  expect(store.remember('a', 0)).toBe('recorded');
  expect(store.remember('b', 10)).toBe('recorded');
  for (let i = 0; i < 5; i += 1) expect(store.remember(`new-${i}`, 20)).toBe('full');
  expect(store.remember('a', 30)).toBe('replayed');
  expect(store.remember('b', 30)).toBe('replayed');
  expect(store.size).toBe(2);
});

test('expired keys are evicted to make room, live ones are kept', () => {
  const store = new ReplayStore(2, TTL);
  store.remember('a', 0);
  store.remember('b', 500);
  expect(store.remember('c', TTL)).toBe('recorded'); // 'a' expired at TTL
  expect(store.remember('b', TTL)).toBe('replayed');
  expect(store.remember('d', TTL)).toBe('full');
  expect(store.size).toBe(2);
});
