import type * as Argon2Binding from '@node-rs/argon2';
import { WorkQueue, type WorkQueueOptions } from './work-queue.ts';

export interface Argon2Parameters {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP's minimum for argon2id (2025 cheat sheet): 19 MiB, 2 iterations, 1 lane. */
export const OWASP_ARGON2ID: Argon2Parameters = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

// @node-rs/argon2 exports Algorithm as a `const enum`, which type stripping cannot inline.
const ARGON2ID = 2;
const PHC_PARAMETERS = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

// The native binding is loaded with the first hash rather than at start (idle memory).
let binding: Promise<typeof Argon2Binding> | undefined;
const argon2 = () => (binding ??= import('@node-rs/argon2'));

/**
 * argon2id hashing on libuv's thread pool, so hashing never blocks the event loop. With `queue`,
 * at most `concurrency` hashes run at once (each holds ~memoryCost KiB and a pool thread that file
 * and DNS work also need); a verify that cannot start within the wait timeout rejects with
 * QueueTimeoutError instead of piling up.
 */
export class PasswordHasher {
  readonly #parameters: Argon2Parameters;
  readonly #queue: WorkQueue | undefined;

  constructor(parameters: Argon2Parameters = OWASP_ARGON2ID, queue?: WorkQueueOptions) {
    this.#parameters = parameters;
    this.#queue = queue ? new WorkQueue(queue) : undefined;
  }

  /**
   * Waits for a slot however long it takes: its callers (registration, rehash after a correct
   * password, the account service's cached timing-equalizer hash) must not fail because sign-ins are busy.
   */
  hash(password: string): Promise<string> {
    return this.#bounded(async () => (await argon2()).hash(password, { algorithm: ARGON2ID as never, ...this.#parameters }), true);
  }

  /** False for a wrong password or a malformed hash; rejects only when the queue wait times out. */
  verify(encoded: string, password: string): Promise<boolean> {
    return this.#bounded(async () => {
      try {
        return await (await argon2()).verify(encoded, password);
      } catch {
        return false;
      }
    }, false);
  }

  #bounded<T>(work: () => Promise<T>, waitIndefinitely: boolean): Promise<T> {
    return this.#queue ? this.#queue.run(work, { waitIndefinitely }) : work();
  }

  /** True when the hash was made with other parameters (or another algorithm) than the current ones. */
  needsRehash(encoded: string): boolean {
    const match = PHC_PARAMETERS.exec(encoded);
    if (!match) return true;
    const [, m, t, p] = match.map(Number);
    const current = this.#parameters;
    return m !== current.memoryCost || t !== current.timeCost || p !== current.parallelism;
  }
}
