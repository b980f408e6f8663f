import { basicAuth, form, keepAliveAgent } from '../lib/http.ts';
import type { HttpLoadJob, LoadJob } from '../lib/load.ts';
import { login } from '../lib/login-flow.ts';
import { MODES, type BenchOptions, type ScenarioId } from '../lib/options.ts';
import type { Target, TargetId } from '../lib/targets.ts';

export interface Scenario {
  readonly id: ScenarioId;
  readonly unit: 'req/s' | 'logins/s';
  /** Targets measured; those not started in this run are left out. */
  readonly subjects: readonly TargetId[];
  readonly baseline?: TargetId;
  /** The job for one run, built before every run (refresh needs a new token pool each time). */
  job(target: Target, seconds: number, options: BenchOptions): Promise<LoadJob>;
  /** What a correct answer looks like; checked once per target before any load. */
  check?(status: number, body: string): boolean;
}

type HttpRequest = Pick<HttpLoadJob, 'method' | 'path' | 'headers' | 'body' | 'refreshTokens'> & Partial<Pick<HttpLoadJob, 'origin'>>;

interface HttpScenario {
  readonly id: ScenarioId;
  /** Default: every Portcullis mode. */
  readonly subjects?: readonly TargetId[];
  /** None: absolute figures only (no ratio). */
  readonly baseline?: TargetId;
  /** The request; `origin` defaults to the target's public listener. */
  request(target: Target, options: BenchOptions): Promise<HttpRequest>;
  /** The status of a correct answer (default 200). */
  readonly status?: number;
  /** Whether a correct answer's JSON body is right. */
  check(answer: Record<string, unknown>): boolean;
}

/** A scenario of one HTTP request, repeated by autocannon. */
export const httpScenario = ({ subjects = MODES, request, status: expected = 200, check, ...scenario }: HttpScenario): Scenario => ({
  ...scenario,
  unit: 'req/s',
  subjects,
  job: async (target, seconds, options) => ({
    kind: 'http',
    origin: target.process.origin,
    connections: options.connections,
    durationSeconds: seconds,
    ...(await request(target, options)),
  }),
  check: (status, body) => status === expected && check(parseJson(body)),
});

/** One request (or one login) before any load, so that a broken setup fails loudly. */
export async function checkScenario(scenario: Scenario, target: Target, options: BenchOptions): Promise<void> {
  const job = await scenario.job(target, 1, options);
  const fail = (reason: string) => new Error(`${scenario.id} on ${target.label}: ${reason}`);
  if (job.kind === 'login') {
    await login(keepAliveAgent(1), job.target).catch((error: Error) => {
      throw fail(error.message);
    });
    return;
  }
  const body = job.refreshTokens ? form({ grant_type: 'refresh_token', refresh_token: job.refreshTokens[0]! }) : job.body;
  const response = await fetch(new URL(job.path, job.origin), {
    method: job.method,
    headers: job.headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  if (!scenario.check?.(response.status, text)) throw fail(`unexpected answer ${response.status} ${text.slice(0, 300)}`);
}

export const tokenHeaders = (target: Target): Record<string, string> => ({
  authorization: basicAuth(target.client!.id, target.client!.secret),
  'content-type': 'application/x-www-form-urlencoded',
  accept: 'application/json',
});

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}`, accept: 'application/json' });

/** A target's access token, minted once per target for the scenario that holds this function. */
export function accessTokenPerTarget(): (target: Target) => Promise<string> {
  const tokens = new Map<Target, Promise<string>>();
  return (target) => {
    let token = tokens.get(target);
    if (!token) tokens.set(target, (token = target.mintAccessToken!()));
    return token;
  };
}

function parseJson(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
}
