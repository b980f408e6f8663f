/** Messages between the orchestrator (bench/run.ts) and its load-generating child processes. */
import type { LoginTarget } from './login-flow.ts';

export interface HttpLoadJob {
  readonly kind: 'http';
  /** Origin of the target, e.g. http://127.0.0.1:3000 */
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
