const startedAt = performance.now();

/** A progress line on stderr, stamped with the seconds since the run started. */
export function log(line: string): void {
  process.stderr.write(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
}
