/** Runs `task` now and then every `intervalMs`, never keeping the process alive; returns a stop function. */
export function runPeriodically(task: () => Promise<unknown>, intervalMs: number, onError: (error: unknown) => void): () => void {
  const run = () => void task().catch(onError);
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
