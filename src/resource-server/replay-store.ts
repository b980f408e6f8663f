/**
 * Remembers accepted DPoP proofs until they are too old to be accepted again.
 *
 * Bounded, but unlike the token cache (`ExpiringCache`) it never forgets a live entry to make
 * room: forgetting one would let that proof be replayed. When every slot holds a
 * live entry, new proofs are refused until the oldest ones expire.
 */
export type ReplayVerdict = 'recorded' | 'replayed' | 'full';

export class ReplayStore {
  readonly #capacity: number;
  readonly #ttlMs: number;
  /** Key -> expiry (ms). Insertion order is expiry order, since every entry lives `ttlMs`. */
  readonly #expiries = new Map<string, number>();

  constructor(capacity: number, ttlMs: number) {
    this.#capacity = capacity;
    this.#ttlMs = ttlMs;
  }

  /** Records `key` at `now` (ms) unless it is already live or no slot can be freed. */
  remember(key: string, now: number): ReplayVerdict {
    const expiresAt = this.#expiries.get(key);
    if (expiresAt !== undefined && expiresAt > now) return 'replayed';
    this.#evictExpired(now);
    if (this.#expiries.size >= this.#capacity) return 'full';
    this.#expiries.delete(key);
    this.#expiries.set(key, now + this.#ttlMs);
    return 'recorded';
  }

  get size(): number {
    return this.#expiries.size;
  }

  /**
   * Stops at the first live entry. If the clock stepped back, a later entry may
   * expire before an earlier one and linger: that only makes the store refuse
   * sooner, never accept a replay.
   */
  #evictExpired(now: number): void {
    for (const [key, expiresAt] of this.#expiries) {
      if (expiresAt > now) return;
      this.#expiries.delete(key);
    }
  }
}
