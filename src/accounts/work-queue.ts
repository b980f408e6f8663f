/** Timers behind the queue's wait timeout; tests inject a manual one. */
export interface Clock {
  /** Calls `callback` after `ms`; the returned function cancels it. */
  after(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  after(ms, callback) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface WorkQueueOptions {
  /** How many pieces of work run at once. */
  readonly concurrency: number;
  /** How long work may wait for a free slot before it is refused. */
  readonly waitTimeoutMs: number;
  readonly clock?: Clock;
}

/** The queue was full for longer than its wait timeout; the work never started. */
export class QueueTimeoutError extends Error {
  override readonly name = 'QueueTimeoutError';
  readonly retryAfterSeconds: number;
  constructor(waitedMs: number) {
    super(`no free slot within ${waitedMs} ms`);
    this.retryAfterSeconds = Math.max(1, Math.ceil(waitedMs / 1000));
  }
}

interface Waiting {
  start(): void;
  cancelTimeout(): void;
}

/** Runs at most `concurrency` pieces of async work at once, the rest first come, first served. */
export class WorkQueue {
  readonly #concurrency: number;
  readonly #waitTimeoutMs: number;
  readonly #clock: Clock;
  readonly #waiting: Waiting[] = [];
  #running = 0;

  constructor(options: WorkQueueOptions) {
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    this.#concurrency = options.concurrency;
    this.#waitTimeoutMs = options.waitTimeoutMs;
    this.#clock = options.clock ?? systemClock;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `work` when a slot is free. Waits at most the wait timeout (then rejects with
   * QueueTimeoutError without running it) unless `waitIndefinitely` is set.
   */
  run<T>(work: () => Promise<T>, options: { waitIndefinitely?: boolean } = {}): Promise<T> {
    if (this.#running < this.#concurrency) return this.#start(work);
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        start: () => void this.#start(work).then(resolve, reject),
        cancelTimeout: () => {},
      };
      if (!options.waitIndefinitely) {
        entry.cancelTimeout = this.#clock.after(this.#waitTimeoutMs, () => {
          const index = this.#waiting.indexOf(entry);
          if (index === -1) return;
          this.#waiting.splice(index, 1);
          reject(new QueueTimeoutError(this.#waitTimeoutMs));
        });
      }
      this.#waiting.push(entry);
    });
  }

  async #start<T>(work: () => Promise<T>): Promise<T> {
    this.#running += 1;
    try {
      return await work();
    } finally {
      this.#running -= 1;
      const next = this.#waiting.shift();
      if (next) {
        next.cancelTimeout();
        next.start();
      }
    }
  }
}
