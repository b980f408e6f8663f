interface Entry<T> {
  value: T;
  expiresAt: number;
}

export interface LookupCacheOptions {
  readonly ttlSeconds: number;
  readonly maxEntries?: number;
  /** Milliseconds since the epoch; the system clock unless given (tests move time instead of waiting). */
  readonly now?: () => number;
}

/**
 * Remembers what a loader found for a short while. Misses are never remembered, so something
 * created elsewhere is seen at once; removals reach it through `invalidate` (see change-feed.ts).
 * Concurrent loads of one key share a single query.
 */
export class LookupCache<T> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry<T>>();
  readonly #loading = new Map<string, Promise<T | undefined>>();
  readonly #now: () => number;
  #generation = 0;

  constructor({ ttlSeconds, maxEntries = 10_000, now = () => Date.now() }: LookupCacheOptions) {
    this.#ttlMs = ttlSeconds * 1000;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  async get(key: string, load: (key: string) => Promise<T | undefined>): Promise<T | undefined> {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > this.#now()) return entry.value;
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const generation = this.#generation;
    const loading = load(key)
      .then((value) => {
        // A load that raced an invalidation must not put the stale value back.
        if (value !== undefined && generation === this.#generation) this.#remember(key, value);
        return value;
      })
      .finally(() => this.#loading.delete(key));
    this.#loading.set(key, loading);
    return loading;
  }

  invalidate(key: string): void {
    this.#generation += 1;
    this.#entries.delete(key);
  }

  clear(): void {
    this.#generation += 1;
    this.#entries.clear();
  }

  #remember(key: string, value: T): void {
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
  }
}
