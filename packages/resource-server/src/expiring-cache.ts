/**
 * A small in-memory map whose entries expire at an absolute time and whose size
 * is bounded (oldest insertion evicted first). Per process, not shared.
 */
interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export class ExpiringCache<V> {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry<V>>();

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** Value stored under `key`, unless missing or expired at `now` (ms). */
  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (ms since epoch). */
  set(key: string, value: V, expiresAt: number): void {
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt });
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
