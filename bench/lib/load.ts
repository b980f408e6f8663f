/** Load jobs, and running one in a fresh worker process (workers/load.ts). */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoginTarget } from './login-flow.ts';

const WORKER = fileURLToPath(new URL('../workers/load.ts', import.meta.url));

export interface HttpLoadJob {
  readonly kind: 'http';
  readonly origin: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /**
   * Refresh token grant: each request takes an unused refresh token from this pool and puts the
   * rotated one from its response back, so no token is ever presented twice.
   */
  readonly refreshTokens?: readonly string[];
}

export interface LoginLoadJob {
  readonly kind: 'login';
  readonly target: LoginTarget;
  readonly concurrency: number;
  readonly durationSeconds: number;
  /** Hard cap on started logins, so a run stays bounded even on a very fast machine. */
  readonly maxLogins: number;
}

export type LoadJob = HttpLoadJob | LoginLoadJob;

/** One measured run: completed operations (HTTP 2xx responses, or complete logins) per second. */
export interface LoadResult {
  readonly ok: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Latency of one operation in milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  /** Socket errors and timeouts (HTTP), or failed logins. */
  readonly errors: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  readonly firstError?: string;
  /** CPU the load generator used while generating load, in ms (user + system). */
  readonly loaderCpuMs: number;
  /** CPU the load generator's process used in all, start-up included, in ms. */
  readonly loaderProcessCpuMs: number;
  /** Login scenario: median latency in ms of each step of the flow, in flow order. */
  readonly steps?: Readonly<Record<string, number>>;
}

export type WorkerMessage = { readonly type: 'result'; readonly result: LoadResult } | { readonly type: 'error'; readonly message: string };

/**
 * Runs one job in a fresh child process, so the load generator has its own event loop and its JIT
 * state does not carry over between targets. Bounded by the job's duration plus a minute.
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
    const limitSeconds = job.durationSeconds + 60;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`load worker did not finish within ${limitSeconds} s`));
    }, limitSeconds * 1000);
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'result') finish(undefined, revive(message.result));
      else finish(new Error(`load worker failed: ${message.message}`));
    });
    child.on('exit', (code) => finish(new Error(`load worker exited (${code}) without a result`)));
    child.on('error', (error) => finish(error));
    child.send(job);
  });
}

/** IPC messages are JSON: a latency without samples (NaN: nothing completed in the window) arrives as null. */
function revive(result: LoadResult): LoadResult {
  const number = (value: number | null) => value ?? Number.NaN;
  const steps = result.steps && Object.fromEntries(Object.entries(result.steps).map(([step, ms]) => [step, number(ms)]));
  return { ...result, p50: number(result.p50), p99: number(result.p99), ...(steps ? { steps } : {}) };
}
