import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadJob, LoadResult, WorkerMessage } from './jobs.ts';

const WORKER = fileURLToPath(new URL('../workers/load.ts', import.meta.url));

/**
 * Runs one load job in a fresh child process (autocannon or the login driver), so the load
 * generator has its own event loop and its JIT state does not carry over between targets.
 */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    const finish = (error: Error | undefined, result?: LoadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(result!);
    };
    // Every run is bounded: the job's own duration plus generous slack for start-up and draining.
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        finish(new Error(`load worker did not finish within ${job.durationSeconds + 60} s`));
      },
      (job.durationSeconds + 60) * 1000,
    );
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'result') finish(undefined, message.result);
      else finish(new Error(`load worker failed: ${message.message}`));
    });
    child.on('exit', (code) => finish(new Error(`load worker exited (${code}) without a result`)));
    child.on('error', (error) => finish(error));
    child.send(job);
  });
}
