import { setTimeout as sleep } from 'node:timers/promises';

/** Waits between attempts: after the first failure, after the second and any later one. */
const BACKOFF_MS = [200, 800] as const;

export interface RetryBounds {
  /** The whole time, all attempts and waits included. */
  readonly deadlineMs: number;
  readonly attempts: number;
}

/** The deadline passed while an attempt was still running; `lastFailure` is the attempt before, if any. */
export class DeadlineReached extends Error {
  override name = 'DeadlineReached';
  readonly code = 'EDEADLINE';
  readonly lastFailure: unknown;

  constructor(deadlineMs: number, lastFailure: unknown) {
    super(`no answer within the ${deadlineMs} ms deadline`, lastFailure === undefined ? undefined : { cause: lastFailure });
    this.lastFailure = lastFailure;
  }
}

/**
 * Runs `attempt` until it succeeds, a failure is permanent, the attempts are used up or the
 * deadline passes; rejects with the last failure, or DeadlineReached. The deadline is a timer
 * raced against every attempt, so an attempt that ignores its signal (a server that never
 * answers) cannot hold the caller longer; a wait that would end past the deadline is not begun.
 */
export async function withBoundedRetries<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  { deadlineMs, attempts }: RetryBounds,
  { isPermanent, onRetry }: { isPermanent: (error: unknown) => boolean; onRetry?: (error: unknown, attemptNumber: number) => void },
): Promise<T> {
  const startedAt = Date.now();
  const controller = new AbortController();
  let lastFailure: unknown;
  const deadline = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
  });
  deadline.catch(() => {});
  const timer = setTimeout(() => controller.abort(new DeadlineReached(deadlineMs, lastFailure)), deadlineMs);
  try {
    for (let attemptNumber = 1; ; attemptNumber += 1) {
      try {
        return await Promise.race([attempt(controller.signal), deadline]);
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason;
        lastFailure = error;
        const wait = BACKOFF_MS[Math.min(attemptNumber, BACKOFF_MS.length) - 1] ?? 0;
        const left = deadlineMs - (Date.now() - startedAt);
        if (attemptNumber >= attempts || isPermanent(error) || wait >= left) throw error;
        onRetry?.(error, attemptNumber);
        await Promise.race([sleep(wait), deadline]);
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
