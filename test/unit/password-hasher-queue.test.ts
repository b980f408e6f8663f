import { PasswordHasher } from '../../src/accounts/password-hasher.ts';
import { QueueTimeoutError } from '../../src/accounts/work-queue.ts';
import { ManualClock } from '../support/manual-clock.ts';

describe('argon2 hashing through the bounded queue', () => {
  test('a verify that cannot start in time rejects with QueueTimeoutError instead of answering false', async () => {
    const clock = new ManualClock();
    const hasher = new PasswordHasher(undefined, { concurrency: 1, waitTimeoutMs: 500, clock });
    const encoded = await hasher.hash('correct horse');

    const occupying = hasher.verify(encoded, 'correct horse');
    const waiting = hasher.verify(encoded, 'correct horse');
    clock.advance(500);
    await expect(waiting).rejects.toBeInstanceOf(QueueTimeoutError);
    await expect(occupying).resolves.toBe(true);
    expect(await hasher.verify(encoded, 'wrong')).toBe(false);
  });

  test('hash waits for a slot however long it takes', async () => {
    const clock = new ManualClock();
    const hasher = new PasswordHasher(undefined, { concurrency: 1, waitTimeoutMs: 500, clock });
    const first = hasher.hash('one');
    const second = hasher.hash('two');
    clock.advance(60_000);
    await expect(Promise.all([first, second])).resolves.toEqual([
      expect.stringMatching(/^\$argon2id\$/),
      expect.stringMatching(/^\$argon2id\$/),
    ]);
  });
});
