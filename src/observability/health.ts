import type { Context } from 'koa';

export interface HealthCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Record<string, 'ok' | 'unavailable'>;
}

const CHECK_TIMEOUT_MS = 1500;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every dependency check in parallel, each bounded in time so readiness answers quickly. */
export async function checkReadiness(checks: readonly HealthCheck[]): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
        return [name, 'ok'] as const;
      } catch {
        return [name, 'unavailable'] as const;
      }
    }),
  );
  return { ready: results.every(([, state]) => state === 'ok'), checks: Object.fromEntries(results) };
}

/** `/healthz` (the process answers) and `/readyz` (its dependencies answer: 503 when one does not). */
export function addHealthRoutes(router: { get(path: string, handler: (ctx: Context) => unknown): unknown }, checks: readonly HealthCheck[]): void {
  router.get('/healthz', (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const readiness = await checkReadiness(checks);
    ctx.set('cache-control', 'no-store');
    ctx.status = readiness.ready ? 200 : 503;
    ctx.body = { status: readiness.ready ? 'ready' : 'unavailable', checks: readiness.checks };
  });
}

/** What readiness waits for: the database and the artifact store. */
export const dependencyChecks = ({ db, store }: { db: { ping(): Promise<void> }; store: { ping(): Promise<void> } }): HealthCheck[] => [
  { name: 'database', check: () => db.ping() },
  { name: 'store', check: () => store.ping() },
];
