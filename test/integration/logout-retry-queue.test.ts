import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogoutRetryQueue, type LogoutRetry } from '../../src/oidc/logout-retry-queue.ts';
import { usingRedis } from '../support/environment.ts';

const run = usingRedis ? describe : describe.skip;
const retry = (n: number): LogoutRetry => ({ clientId: `client-${n}`, accountId: 'account', sid: `sid-${n}`, failures: 1 });

/** Back-channel logout retries wait in Redis, so any instance delivers them, and only one does. */
run('the shared back-channel logout retry queue', () => {
  const keyPrefix = `test:${randomBytes(6).toString('hex')}:`;
  const connections = [new Redis(process.env.REDIS_URL!), new Redis(process.env.REDIS_URL!)];
  const [first, second] = connections.map((redis) => createLogoutRetryQueue({ redis, keyPrefix }));
  afterAll(async () => {
    await connections[0]!.del(`${keyPrefix}backchannel-logout:retries`);
    await Promise.all(connections.map((redis) => redis.quit()));
  });

  test('a retry one instance scheduled is taken by another once it is due, and only once', async () => {
    const now = Date.now();
    await first!.schedule(retry(1), now + 60_000);
    await first!.schedule(retry(2), now - 1);
    expect(await second!.takeDue(now, 10)).toEqual([retry(2)]);
    expect(await second!.takeDue(now, 10)).toEqual([]);
    expect(await first!.takeDue(now + 60_000, 10)).toEqual([retry(1)]);
  });

  test('instances taking at the same time never get the same retry', async () => {
    const now = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, n) => first!.schedule(retry(n), now - n)));
    const taken = (await Promise.all(Array.from({ length: 8 }, (_, n) => (n % 2 ? first! : second!).takeDue(now, 7)))).flat();
    expect(taken).toHaveLength(40);
    expect(new Set(taken.map((one) => one.sid)).size).toBe(40);
  });
});

test('the embedded store keeps its retries in process, due first', async () => {
  const queue = createLogoutRetryQueue({ redis: undefined, keyPrefix: '' });
  await queue.schedule(retry(1), 10);
  await queue.schedule(retry(2), 5);
  expect(await queue.takeDue(7, 10)).toEqual([retry(2)]);
  expect(await queue.takeDue(20, 10)).toEqual([retry(1)]);
});
