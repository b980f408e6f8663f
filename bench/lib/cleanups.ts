import { log } from './log.ts';

/** Teardown steps (servers, throwaway database and keys, folders), run newest first, each once. */
export class Cleanups {
  readonly #steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      await Promise.resolve()
        .then(step)
        .catch((error: Error) => log(`cleanup: ${error.message}`));
    }
  }
}
