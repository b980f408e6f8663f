/** The processes measured: Portcullis in each mode, the bare oidc-provider, the demo API and bare Koa. */
import { mkdirSync } from 'node:fs';
import type { Agent } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MintReply, MintRequest } from '../baselines/bare-provider.ts';
import type { Scripts } from './build.ts';
import type { Cleanups } from './cleanups.ts';
import { BENCH_RESOURCE, BENCH_SCOPE } from './fixtures.ts';
import { log } from './log.ts';
import { login, type LoginTarget } from './login-flow.ts';
import type { BenchOptions, Mode } from './options.ts';
import {
  adminAccess,
  clientCredentialsToken,
  mintByLogin,
  portcullisEnv,
  seedThroughCli,
  useThrowawayStores,
  type AdminAccess,
  type Client,
} from './portcullis.ts';
import { freePort, startServer, type ServerProcess, type StartOptions } from './processes.ts';
import { readMemory, type HelperPids, type Memory } from './usage.ts';

export type TargetId = Mode | 'bare-provider' | 'demo-api' | 'bare-koa';

export interface Target {
  readonly id: TargetId;
  readonly label: string;
  readonly process: ServerProcess;
  /** Memory once settled after start-up, before any traffic. */
  readonly idle: Memory;
  readonly client?: Client;
  /** Portcullis: its admin listener and admin tokens. */
  readonly admin?: AdminAccess;
  /** Portcullis pg+redis: its throwaway database (for bulk seeding). */
  readonly databaseUrl?: string;
  /** Fresh user refresh tokens (offline_access), each from its own grant. */
  mintRefreshTokens?(count: number): Promise<string[]>;
  /** An access token this target accepts: a user's opaque token, or a JWT for the APIs. */
  mintAccessToken?(): Promise<string>;
  helperPids?(): Promise<HelperPids>;
}

export interface TargetContext {
  readonly options: BenchOptions;
  readonly scripts: Scripts;
  /** Temporary folder: working directory and data directories. */
  readonly work: string;
  readonly profileDir: string;
  readonly cleanups: Cleanups;
  readonly agent: Agent;
}

/** Every Portcullis mode (the first issues the APIs' JWT), then the other targets in `wanted`. */
export async function startTargets(wanted: ReadonlySet<TargetId>, context: TargetContext): Promise<Map<TargetId, Target>> {
  const targets = new Map<TargetId, Target>();
  for (const mode of context.options.modes) targets.set(mode, await startPortcullis(mode, context));
  if (wanted.has('bare-provider')) targets.set('bare-provider', await startBareProvider(context));
  if (wanted.has('demo-api') || wanted.has('bare-koa')) {
    const issuer = targets.get(context.options.modes[0]!)!;
    const jwt = await clientCredentialsToken(issuer.process.origin, issuer.client!, BENCH_RESOURCE, BENCH_SCOPE);
    if (wanted.has('demo-api')) targets.set('demo-api', await startDemoApi(issuer.process.origin, jwt, context));
    if (wanted.has('bare-koa')) targets.set('bare-koa', await startBareKoa(jwt, context));
  }
  return targets;
}

async function startPortcullis(mode: Mode, context: TargetContext): Promise<Target> {
  const origin = await freeOrigin();
  const adminOrigin = await freeOrigin();
  const dataDir = join(context.work, mode);
  mkdirSync(dataDir, { recursive: true });
  const stores = mode === 'postgres' ? await useThrowawayStores(context.options, context.cleanups) : undefined;
  const env = { ...baseEnv(), ...portcullisEnv(origin, adminOrigin, dataDir), ...stores?.env };
  const label = mode === 'postgres' ? 'portcullis pg+redis' : 'portcullis embedded';
  const start = { script: context.scripts.server, env: { ...env, ...context.options.serverEnv }, origin, readyPath: '/readyz' };
  const started = await startMeasured(mode, label, start, context);
  const client = await seedThroughCli(context.scripts.cli, env, context.work);
  const user: LoginTarget = { issuer: origin, client };
  const admin = adminAccess(origin, adminOrigin, { script: context.scripts.cli, env, cwd: context.work });
  // Creates the admin client now rather than minutes into the run, and fails early if admin tokens do not work.
  if (context.options.scenarios.some((id) => id.startsWith('admin-'))) await admin.token();
  return {
    id: mode,
    label,
    ...started,
    client,
    admin,
    mintAccessToken: async () => (await login(context.agent, user)).accessToken,
    mintRefreshTokens: (count) => mintByLogin(context.agent, user, count),
    ...(stores ? { helperPids: stores.helperPids, databaseUrl: stores.env.DATABASE_URL } : {}),
  };
}

async function startBareProvider(context: TargetContext): Promise<Target> {
  const origin = await freeOrigin();
  const client = { id: 'bench-baseline', secret: 'bench-baseline-secret-0123456789abcdef0123' };
  const env = {
    ...baseEnv(),
    NODE_ENV: 'production',
    BENCH_PORT: new URL(origin).port,
    BENCH_CLIENT_ID: client.id,
    BENCH_CLIENT_SECRET: client.secret,
    BENCH_RESOURCE,
    BENCH_SCOPE,
  };
  const label = 'bare oidc-provider (memory)';
  const started = await startMeasured('bare-provider', label, { script: context.scripts.bareProvider, env, origin, ipc: true }, context);
  const mint = (request: MintRequest) => mintInProcess(started.process, request);
  return {
    id: 'bare-provider',
    label,
    ...started,
    client,
    mintRefreshTokens: (count) => mint({ kind: 'refresh', count }),
    mintAccessToken: async () => (await mint({ kind: 'access', count: 1 }))[0]!,
  };
}

async function startDemoApi(issuer: string, jwt: string, context: TargetContext): Promise<Target> {
  const origin = await freeOrigin();
  const env = { ...baseEnv(), NODE_ENV: 'development', PORT: new URL(origin).port, ISSUER: issuer, AUDIENCE: BENCH_RESOURCE };
  const label = 'demo API (JWT)';
  const started = await startMeasured('demo-api', label, { script: context.scripts.demoApi, env, origin, readyPath: '/healthz' }, context);
  return { id: 'demo-api', label, ...started, mintAccessToken: async () => jwt };
}

async function startBareKoa(jwt: string, context: TargetContext): Promise<Target> {
  const origin = await freeOrigin();
  const env = { ...baseEnv(), NODE_ENV: 'production', BENCH_PORT: new URL(origin).port };
  const label = 'bare Koa hello world';
  const started = await startMeasured('bare-koa', label, { script: context.scripts.bareKoa, env, origin }, context);
  return { id: 'bare-koa', label, ...started, mintAccessToken: async () => jwt };
}

const freeOrigin = async (): Promise<string> => `http://127.0.0.1:${await freePort()}`;

function baseEnv(): NodeJS.ProcessEnv {
  const names = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'].filter((name) => process.env[name] !== undefined);
  return Object.fromEntries(names.map((name) => [name, process.env[name]]));
}

/** Starts a server (with --cpu-prof under --profile), stopped with the run's cleanups; idle memory 2 s later. */
async function startMeasured(id: TargetId, label: string, start: Omit<StartOptions, 'name' | 'cwd'>, context: TargetContext) {
  log(`starting ${label} on ${start.origin}`);
  const profile = context.options.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(context.profileDir, id)}` } : {};
  const server = await startServer({ ...start, name: label, cwd: context.work, env: { ...start.env, ...profile } });
  context.cleanups.add(() => server.stop());
  await sleep(context.options.smoke ? 500 : 2000);
  return { process: server, idle: readMemory(server.pid) };
}

async function mintInProcess(server: ServerProcess, request: MintRequest): Promise<string[]> {
  const reply = await new Promise<MintReply>((resolve, reject) => {
    const onReply = (message: MintReply) => {
      clearTimeout(timer);
      resolve(message);
    };
    const timer = setTimeout(() => {
      server.child.off('message', onReply);
      reject(new Error('bare provider did not mint in time'));
    }, 30_000);
    server.child.once('message', onReply);
    server.child.send(request);
  });
  if (reply.type !== 'minted') throw new Error(`bare provider could not mint tokens: ${reply.message}`);
  return reply.tokens;
}
