/** Latency samples in milliseconds; keeps a uniform random sample once more than `capacity` arrive. */
export class LatencyRecorder {
  readonly #samples: Float64Array;
  #seen = 0;

  constructor(capacity = 1_000_000) {
    this.#samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    const capacity = this.#samples.length;
    if (this.#seen < capacity) this.#samples[this.#seen] = ms;
    else {
      const slot = Math.floor(Math.random() * (this.#seen + 1));
      if (slot < capacity) this.#samples[slot] = ms;
    }
    this.#seen += 1;
  }

  percentile(p: number): number {
    const count = Math.min(this.#seen, this.#samples.length);
    if (count === 0) return Number.NaN;
    const sorted = this.#samples.slice(0, count).sort();
    return sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))] ?? Number.NaN;
  }
}

export function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

export const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);
