/**
 * At most `max` operations in flight per key in this process, so that one client cannot fill the
 * password-hashing queue and starve everyone else. Deliberately not shared: it protects this
 * instance's CPU, not a global budget.
 */
export class InFlightLimit {
  readonly #max: number;
  readonly #inFlight = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Takes a slot for `key` and returns its release, or undefined when `key` has `max` in flight. */
  tryAcquire(key: string): (() => void) | undefined {
    const count = this.#inFlight.get(key) ?? 0;
    if (count >= this.#max) return undefined;
    this.#inFlight.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.#inFlight.get(key) ?? 1) - 1;
      if (remaining > 0) this.#inFlight.set(key, remaining);
      else this.#inFlight.delete(key);
    };
  }

  inFlight(key: string): number {
    return this.#inFlight.get(key) ?? 0;
  }
}
