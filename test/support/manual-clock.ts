import type { Clock } from '../../src/accounts/work-queue.ts';

/**
 * Time that moves only when the test advances it: timers (`after`) fire then, and `now` (ms) is what
 * an injected `now()` option reads, e.g. `{ now: () => clock.now }`.
 */
export class ManualClock implements Clock {
  now: number;
  readonly #timers = new Set<{ at: number; callback: () => void }>();

  constructor(start = 0) {
    this.now = start;
  }

  after(ms: number, callback: () => void): () => void {
    const timer = { at: this.now + ms, callback };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  advance(ms: number): void {
    this.now += ms;
    for (const timer of [...this.#timers].sort((a, b) => a.at - b.at)) {
      if (timer.at > this.now) break;
      this.#timers.delete(timer);
      timer.callback();
    }
  }
}
