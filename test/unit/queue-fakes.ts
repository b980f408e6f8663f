/** A stand-in for argon2: each call stays running until the test finishes it. */
export function slowHash() {
  const pending: Array<() => void> = [];
  let running = 0;
  let peak = 0;
  return {
    hash: () =>
      new Promise<string>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        pending.push(() => {
          running -= 1;
          resolve('hashed');
        });
      }),
    finishOne: () => pending.shift()?.(),
    get running() {
      return running;
    },
    get peak() {
      return peak;
    },
  };
}

/** Lets promise callbacks and I/O callbacks queued so far run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Settles until `condition` holds (it depends on promise chains the test cannot await). */
export async function until(condition: () => boolean): Promise<void> {
  for (let round = 0; round < 1000 && !condition(); round += 1) await settle();
  if (!condition()) throw new Error('condition never held');
}
