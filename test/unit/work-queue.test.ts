import { QueueTimeoutError, WorkQueue } from '../../src/accounts/work-queue.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { settle, slowHash } from './queue-fakes.ts';

describe('password hashing work queue', () => {
  test('never runs more than its concurrency at once, and starts waiting work first come, first served', async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ concurrency: 2, waitTimeoutMs: 1000, clock });
    const fake = slowHash();
    const order: number[] = [];
    const results = Array.from({ length: 6 }, (_, i) => queue.run(() => fake.hash().then(() => order.push(i))));

    expect(fake.running).toBe(2);
    expect(queue.waiting).toBe(4);
    for (let done = 0; done < 6; done += 1) {
      fake.finishOne();
      await settle();
    }
    await Promise.all(results);
    expect(fake.peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(queue.running).toBe(0);
  });

  test('work that waits longer than the timeout is refused without running, with a retry hint', async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ concurrency: 1, waitTimeoutMs: 1500, clock });
    const fake = slowHash();
    const first = queue.run(fake.hash);
    let ran = false;
    const second = queue.run(async () => {
      ran = true;
      return 'late';
    });

    clock.advance(1499);
    expect(queue.waiting).toBe(1);
    clock.advance(1);
    await expect(second).rejects.toBeInstanceOf(QueueTimeoutError);
    await expect(second).rejects.toMatchObject({ retryAfterSeconds: 2 });
    expect(queue.waiting).toBe(0);

    fake.finishOne();
    await expect(first).resolves.toBe('hashed');
    await settle();
    expect(ran).toBe(false);
  });

  test('work that got a slot in time is not refused when the timeout would have passed', async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ concurrency: 1, waitTimeoutMs: 1000, clock });
    const fake = slowHash();
    const first = queue.run(fake.hash);
    const second = queue.run(fake.hash);
    clock.advance(500);
    fake.finishOne();
    await first;
    clock.advance(5000);
    fake.finishOne();
    await expect(second).resolves.toBe('hashed');
  });

  test('waitIndefinitely work is never timed out', async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ concurrency: 1, waitTimeoutMs: 100, clock });
    const fake = slowHash();
    const first = queue.run(fake.hash);
    const patient = queue.run(fake.hash, { waitIndefinitely: true });
    clock.advance(60_000);
    expect(queue.waiting).toBe(1);
    fake.finishOne();
    await first;
    await settle();
    fake.finishOne();
    await expect(patient).resolves.toBe('hashed');
  });

  test('a failing piece of work frees its slot', async () => {
    const queue = new WorkQueue({ concurrency: 1, waitTimeoutMs: 100, clock: new ManualClock() });
    await expect(queue.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run(async () => 'next')).resolves.toBe('next');
  });
});
