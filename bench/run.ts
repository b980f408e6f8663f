/**
 * `npm run bench`: starts the servers under test and their baselines, drives each from a separate
 * process in alternating rounds, and prints medians, ratios to the baselines, memory and goals.
 * See bench/README.md and docs/benchmarks.md.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildPrivateDist } from './lib/build.ts';
import { basicAuth, form, keepAliveAgent } from './lib/http.ts';
import {
  checkInfrastructure,
  createThrowawayDatabase,
  deleteRedisKeys,
  postgresBackendPids,
  redisServerPid,
  uniqueKeyPrefix,
  type ThrowawayDatabase,
} from './lib/infra.ts';
import type { HttpLoadJob, LoadJob } from './lib/jobs.ts';
import { runLoad } from './lib/load.ts';
import { login, type LoginTarget } from './lib/login-flow.ts';
import { USAGE, UsageError, parseOptions, type BenchOptions, type Mode, type ScenarioId } from './lib/options.ts';
import {
  freePort,
  killAllStarted,
  readCpuMs,
  readCpuMsOf,
  readMachineCpu,
  readMemory,
  resetPeak,
  startTarget,
  waitForQuiet,
  type Memory,
  type TargetProcess,
} from './lib/processes.ts';
import { summarizeProfiles } from './lib/profile.ts';
import {
  CPU_HEADER,
  cpuRows,
  GOAL_HEADER,
  MEMORY_HEADER,
  RESULT_HEADER,
  STEP_HEADER,
  stepRows,
  goalRows,
  markdownTable,
  memoryRows,
  resultRows,
  summarize,
  textTable,
  type Goal,
  type Measurement,
  type MemoryRow,
  type RoundResult,
  type Summary,
} from './lib/report.ts';
import { seedThroughCli } from './lib/seed.ts';
import {
  BENCH_EMAIL,
  BENCH_PASSWORD,
  BENCH_REDIRECT_URI,
  BENCH_RESOURCE,
  BENCH_SCOPE,
  BENCH_USER_SCOPE,
  type MintReply,
  type MintRequest,
} from './lib/targets.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench/results');
/** Rounds start once other processes use less than this share of the machine (see --quiet-budget). */
const QUIET_THRESHOLD_PERCENT = 15;

const startedAt = performance.now();
const log = (line: string) => process.stderr.write(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);

type TargetId = Mode | 'bare-provider' | 'demo-api' | 'bare-koa';

interface Target {
  readonly id: TargetId;
  readonly label: string;
  readonly process: TargetProcess;
  readonly idle: Memory;
  /** Client credentials registered on this authorization server. */
  readonly client?: { readonly id: string; readonly secret: string };
  /** Fresh user refresh tokens (offline_access), each from its own grant. */
  mintRefreshTokens?(count: number): Promise<string[]>;
  /** A user access token for userinfo (opaque, audience = userinfo). */
  mintAccessToken?(): Promise<string>;
  readonly loginTarget?: LoginTarget;
  /** Processes doing this target's work besides the server itself (PostgreSQL backends, Redis). */
  helperPids?(): Promise<{ readonly postgres: readonly number[] | undefined; readonly redis: number | undefined }>;
}

interface Scenario {
  readonly id: ScenarioId;
  readonly unit: 'req/s' | 'logins/s';
  readonly subjects: readonly TargetId[];
  readonly baseline?: TargetId;
  /** Builds the job for one run; called before every run (refresh needs a new token pool each time). */
  job(target: Target, seconds: number): Promise<LoadJob>;
  /** What a correct answer looks like; checked once per target before any load. */
  check?(status: number, body: string): boolean;
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
};

async function main(options: BenchOptions): Promise<number> {
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const work = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
  const profileDir = join(RESULTS, 'profiles', runId);
  const cleanups: Array<() => Promise<void>> = [];
  const targets = new Map<TargetId, Target>();
  let interrupted = false;
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: Error) => log(`cleanup: ${error.message}`));
    cleanups.length = 0;
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted: stopping servers and removing the throwaway database and keys');
    void cleanup().finally(() => process.exit(130));
  });

  // With --profile every measured process writes a V8 CPU profile when it exits.
  const profiled = (id: TargetId): NodeJS.ProcessEnv =>
    options.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${join(profileDir, id)}` } : {};
  const wanted = new Set(options.scenarios);
  const needsProvider = ['client-credentials', 'refresh', 'introspection', 'userinfo'].some((id) => wanted.has(id as ScenarioId));
  const needsDemo = wanted.has('demo-api');
  const modes = options.modes;
  const agent = keepAliveAgent(8);
  cleanups.push(async () => agent.destroy());

  try {
    if (modes.includes('postgres')) await checkInfrastructure(options.databaseUrl, options.redisUrl);
    log(`portcullis bench: ${describeOptions(options)}`);

    // What `npm start` / `npm run start:api` run: the transpiled build, or the sources.
    const baselineSources = [join(ROOT, 'bench/targets/bare-provider.ts'), join(ROOT, 'bench/targets/bare-koa.ts')];
    const build = options.from === 'dist' ? await buildPrivateDist(ROOT, runId, baselineSources) : undefined;
    if (build) cleanups.push(async () => build.remove());
    if (options.from === 'dist' && !build) log('no scripts/build.mjs: running the TypeScript sources');
    const SERVER = build ? join(build.dist, 'main.js') : join(ROOT, 'src/main.ts');
    const DEMO_API = build ? join(build.dist, 'demo-api/main.js') : join(ROOT, 'src/demo-api/main.ts');
    const BARE_PROVIDER = build ? join(build.targets, 'bare-provider.js') : baselineSources[0]!;
    const BARE_KOA = build ? join(build.targets, 'bare-koa.js') : baselineSources[1]!;
    log(`server: ${relative(ROOT, SERVER)}`);

    // --- Portcullis, PostgreSQL + Redis, then embedded -------------------------------------------
    for (const mode of modes) {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const env: NodeJS.ProcessEnv = {
        ...baseEnv(),
        NODE_ENV: 'development',
        PORT: String(port),
        HOST: '127.0.0.1',
        ISSUER: origin,
        LOG_LEVEL: 'silent',
        DATA_DIR: join(work, mode),
        // The load comes from one loopback address standing in for many users: per-address abuse
        // limits would measure themselves instead of the server.
        LOGIN_MAX_IN_FLIGHT_PER_ADDRESS: '100000',
        AUTHORIZATION_RATE_LIMIT: '100000000',
      };
      mkdirSync(env.DATA_DIR!, { recursive: true });
      let helperPids: Target['helperPids'];
      if (mode === 'postgres') {
        const database: ThrowawayDatabase = await createThrowawayDatabase(options.databaseUrl);
        const redisPid = await redisServerPid(options.redisUrl);
        helperPids = async () => ({ postgres: await postgresBackendPids(options.databaseUrl, database.name), redis: redisPid });
        cleanups.push(() => database.drop());
        const keyPrefix = uniqueKeyPrefix();
        cleanups.push(async () => void (await deleteRedisKeys(options.redisUrl, keyPrefix)));
        Object.assign(env, { DATABASE_URL: database.url, REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: keyPrefix });
      }
      const serverEnv = { ...env, ...options.serverEnv, ...profiled(mode) };
      const label = mode === 'postgres' ? 'portcullis pg+redis' : 'portcullis embedded';
      log(`starting ${label} on ${origin}`);
      const server = await startTarget({ name: label, script: SERVER, env: serverEnv, cwd: work, origin, readyPath: '/readyz' });
      cleanups.push(() => server.stop());
      const idle = await idleMemory(server.pid, options);
      const client = await seedThroughCli(env, work);
      const loginTarget: LoginTarget = {
        issuer: origin,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        redirectUri: BENCH_REDIRECT_URI,
        email: BENCH_EMAIL,
        password: BENCH_PASSWORD,
        scope: BENCH_USER_SCOPE,
      };
      targets.set(mode, {
        id: mode,
        label,
        process: server,
        idle,
        client: { id: client.clientId, secret: client.clientSecret },
        loginTarget,
        mintAccessToken: async () => (await login(agent, loginTarget)).accessToken,
        mintRefreshTokens: (count) => mintByLogin(agent, loginTarget, count),
        ...(helperPids ? { helperPids } : {}),
      });
    }

    // --- Baselines ------------------------------------------------------------------------------
    if (needsProvider) {
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const clientId = 'bench-baseline';
      const clientSecret = 'bench-baseline-secret-0123456789abcdef0123';
      log(`starting bare oidc-provider on ${origin}`);
      const bare = await startTarget({
        name: 'bare oidc-provider',
        script: BARE_PROVIDER,
        env: {
          ...baseEnv(),
          ...profiled('bare-provider'),
          NODE_ENV: 'production',
          BENCH_PORT: String(port),
          BENCH_CLIENT_ID: clientId,
          BENCH_CLIENT_SECRET: clientSecret,
          BENCH_RESOURCE,
          BENCH_SCOPE,
        },
        cwd: work,
        origin,
        ipc: true,
      });
      cleanups.push(() => bare.stop());
      const mint = (request: MintRequest) => mintInProcess(bare, request);
      targets.set('bare-provider', {
        id: 'bare-provider',
        label: 'bare oidc-provider (memory)',
        process: bare,
        idle: await idleMemory(bare.pid, options),
        client: { id: clientId, secret: clientSecret },
        mintRefreshTokens: (count) => mint({ kind: 'refresh', count }),
        mintAccessToken: async () => (await mint({ kind: 'access', count: 1 }))[0]!,
      });
    }
    if (needsDemo) {
      const issuer = targets.get('postgres') ?? targets.get('embedded');
      if (!issuer) throw new Error('the demo-api scenario needs a Portcullis mode to issue its token');
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      log(`starting demo API on ${origin} (issuer ${issuer.process.origin})`);
      const demo = await startTarget({
        name: 'demo API',
        script: DEMO_API,
        env: {
          ...baseEnv(),
          ...profiled('demo-api'),
          NODE_ENV: 'development',
          PORT: String(port),
          ISSUER: issuer.process.origin,
          AUDIENCE: BENCH_RESOURCE,
        },
        cwd: work,
        origin,
        readyPath: '/healthz',
      });
      cleanups.push(() => demo.stop());
      const jwt = await clientCredentialsToken(issuer);
      targets.set('demo-api', {
        id: 'demo-api',
        label: 'demo API (JWT)',
        process: demo,
        idle: await idleMemory(demo.pid, options),
        mintAccessToken: async () => jwt,
      });

      const barePort = await freePort();
      const bareOrigin = `http://127.0.0.1:${barePort}`;
      const koa = await startTarget({
        name: 'bare Koa',
        script: BARE_KOA,
        env: { ...baseEnv(), ...profiled('bare-koa'), NODE_ENV: 'production', BENCH_PORT: String(barePort) },
        cwd: work,
        origin: bareOrigin,
      });
      cleanups.push(() => koa.stop());
      targets.set('bare-koa', {
        id: 'bare-koa',
        label: 'bare Koa hello world',
        process: koa,
        idle: await idleMemory(koa.pid, options),
        mintAccessToken: async () => jwt,
      });
    }

    // --- Scenarios ------------------------------------------------------------------------------
    const scenarios = defineScenarios(options).filter((scenario) => wanted.has(scenario.id));
    const measurements: Measurement[] = [];
    const peaks = new Map<TargetId, number>();
    let quietBudgetMs = options.quietBudgetSeconds * 1000;
    const settle = async () => {
      if (quietBudgetMs <= 0) return;
      const { waitedMs, busyPercent } = await waitForQuiet(QUIET_THRESHOLD_PERCENT, Math.min(10_000, quietBudgetMs));
      if (waitedMs > 1000) {
        quietBudgetMs -= waitedMs;
        log(
          `  waited ${(waitedMs / 1000).toFixed(0)} s for other processes (last ${busyPercent.toFixed(0)}% busy); ${Math.max(0, quietBudgetMs / 1000).toFixed(0)} s of waiting left`,
        );
      }
    };
    for (const scenario of scenarios) {
      const participants = [...scenario.subjects, ...(scenario.baseline ? [scenario.baseline] : [])]
        .map((id) => targets.get(id))
        .filter((target): target is Target => target !== undefined);
      if (participants.length === 0) continue;
      for (const target of participants) await checkScenario(scenario, target);
      for (const target of participants) resetPeak(target.process.pid);
      if (options.warmupSeconds > 0) {
        for (const target of participants) await runLoad(await scenario.job(target, options.warmupSeconds));
      }
      const rounds = new Map<TargetId, RoundResult[]>(participants.map((target) => [target.id, []]));
      for (let round = 0; round < options.rounds && !interrupted; round += 1) {
        // Alternate the order every round so that drift (thermal, neighbours, caches) hits both sides.
        const order = round % 2 === 0 ? participants : [...participants].reverse();
        for (const target of order) {
          await settle();
          const result = await measureRound(scenario, target, options.durationSeconds);
          rounds.get(target.id)!.push(result);
          log(
            `  ${scenario.id.padEnd(18)} round ${round + 1}/${options.rounds}  ${target.label.padEnd(28)} ${describeResult(result, scenario.unit)}`,
          );
        }
      }
      for (const target of participants) {
        const peakMB = readMemory(target.process.pid).peakMB;
        peaks.set(target.id, Math.max(peaks.get(target.id) ?? 0, peakMB));
        measurements.push({
          scenario: scenario.id,
          target: target.id,
          label: target.label,
          role: target.id === scenario.baseline ? 'baseline' : 'subject',
          unit: scenario.unit,
          rounds: rounds.get(target.id)!,
          peakMB,
        });
      }
    }

    // --- Report ---------------------------------------------------------------------------------
    const summaries = summarize(measurements);
    const memory: MemoryRow[] = [...targets.values()].map((target) => {
      const now = readMemory(target.process.pid);
      return {
        label: target.label,
        idleMB: target.idle.rssMB,
        peakMB: Math.max(peaks.get(target.id) ?? 0, target.idle.peakMB),
        endMB: now.rssMB,
      };
    });
    // One cold second per target says nothing about the goals: smoke runs only show the figures.
    const goals = evaluateGoals(summaries, targets).map((goal) => (options.smoke ? { ...goal, met: undefined, judged: false } : goal));
    const machine = describeMachine();
    const output = [
      '',
      `Portcullis benchmark  ${new Date().toISOString()}`,
      `${machine}`,
      `${describeOptions(options)}`,
      '',
      textTable(RESULT_HEADER, resultRows(summaries)),
      '',
      'CPU ms per operation (median over rounds):',
      textTable(CPU_HEADER, cpuRows(summaries)),
      '',
      ...(stepRows(summaries).length > 0
        ? ['Login flow, latency of each step under load:', textTable(STEP_HEADER, stepRows(summaries)), '']
        : []),
      textTable(MEMORY_HEADER, memoryRows(memory)),
      '',
      textTable(GOAL_HEADER, goalRows(goals)),
      '',
    ];
    const errors = summaries.filter((summary) => summary.errors > 0);
    for (const summary of errors)
      output.push(`! ${summary.scenario} / ${summary.label}: ${summary.errors} errors, first: ${summary.firstError ?? 'n/a'}`);
    process.stdout.write(`${output.join('\n')}\n`);
    if (options.markdown) {
      process.stdout.write(
        `\n${markdownTable(RESULT_HEADER, resultRows(summaries))}\n\n${markdownTable(CPU_HEADER, cpuRows(summaries))}\n\n${markdownTable(MEMORY_HEADER, memoryRows(memory))}\n\n${markdownTable(GOAL_HEADER, goalRows(goals))}\n`,
      );
    }
    const jsonPath = options.jsonPath ?? join(RESULTS, 'latest.json');
    mkdirSync(join(jsonPath, '..'), { recursive: true });
    writeFileSync(jsonPath, `${JSON.stringify({ runId, machine, options, summaries, memory, goals, measurements }, null, 2)}\n`);
    log(`results written to ${jsonPath}`);

    // Stop the servers now so that their CPU profiles are written before they are summarized.
    await cleanup();
    if (options.profile) {
      for (const target of targets.values()) {
        const dir = join(profileDir, target.id);
        for (const file of safeList(dir).filter((name) => name.endsWith('.cpuprofile'))) {
          process.stdout.write(
            `\nCPU profile of ${target.label}: ${join(dir, file)}\n${summarizeProfiles([join(dir, file)], { root: ROOT })}\n`,
          );
        }
      }
    }
    // Smoke runs (CI) fail when a scenario could not be driven at all, or answered errors.
    const broken = summaries.filter((summary) => !(summary.perSecond > 0) || summary.errors > 0);
    if (options.smoke && broken.length > 0) {
      log(`smoke run failed: ${broken.map((summary) => `${summary.scenario}/${summary.target}`).join(', ')}`);
      return 1;
    }
    return 0;
  } finally {
    await cleanup();
  }
}

function defineScenarios(options: BenchOptions): Scenario[] {
  const json = (body: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const http = (
    target: Target,
    seconds: number,
    request: Omit<HttpLoadJob, 'kind' | 'origin' | 'connections' | 'durationSeconds'>,
  ): HttpLoadJob => ({
    kind: 'http',
    origin: target.process.origin,
    connections: options.connections,
    durationSeconds: seconds,
    ...request,
  });
  const tokenHeaders = (target: Target) => ({
    authorization: basicAuth(target.client!.id, target.client!.secret),
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  });
  // Tokens minted once per scenario and target (introspection, userinfo).
  const accessTokens = new Map<string, Promise<string>>();
  const accessTokenFor = (scenario: string, target: Target) => {
    const key = `${scenario}:${target.id}`;
    if (!accessTokens.has(key)) accessTokens.set(key, target.mintAccessToken!());
    return accessTokens.get(key)!;
  };
  const modes = options.modes;

  return [
    {
      id: 'client-credentials',
      unit: 'req/s',
      subjects: modes,
      baseline: 'bare-provider',
      job: async (target, seconds) =>
        http(target, seconds, {
          method: 'POST',
          path: '/token',
          headers: tokenHeaders(target),
          body: form({ grant_type: 'client_credentials', resource: BENCH_RESOURCE, scope: BENCH_SCOPE }),
        }),
      check: (status, body) =>
        status === 200 && typeof json(body)?.access_token === 'string' && String(json(body)?.access_token).split('.').length === 3,
    },
    {
      id: 'refresh',
      unit: 'req/s',
      subjects: modes,
      baseline: 'bare-provider',
      // One unused token per connection plus as many spares, minted right before each run.
      job: async (target, seconds) =>
        http(target, seconds, {
          method: 'POST',
          path: '/token',
          headers: tokenHeaders(target),
          refreshTokens: await target.mintRefreshTokens!(options.connections * 2),
        }),
      check: (status, body) => status === 200 && typeof json(body)?.refresh_token === 'string' && typeof json(body)?.id_token === 'string',
    },
    {
      id: 'introspection',
      unit: 'req/s',
      subjects: modes,
      baseline: 'bare-provider',
      job: async (target, seconds) =>
        http(target, seconds, {
          method: 'POST',
          path: '/token/introspection',
          headers: tokenHeaders(target),
          body: form({ token: await accessTokenFor('introspection', target), token_type_hint: 'access_token' }),
        }),
      check: (status, body) => status === 200 && json(body)?.active === true,
    },
    {
      id: 'userinfo',
      unit: 'req/s',
      subjects: modes,
      baseline: 'bare-provider',
      job: async (target, seconds) =>
        http(target, seconds, {
          method: 'GET',
          path: '/me',
          headers: { authorization: `Bearer ${await accessTokenFor('userinfo', target)}`, accept: 'application/json' },
        }),
      check: (status, body) => status === 200 && typeof json(body)?.sub === 'string' && typeof json(body)?.email === 'string',
    },
    {
      id: 'login',
      unit: 'logins/s',
      subjects: modes,
      job: async (target, seconds) => ({
        kind: 'login',
        target: target.loginTarget!,
        concurrency: options.loginConcurrency,
        durationSeconds: seconds,
        maxLogins: Math.ceil(seconds * 500),
      }),
    },
    {
      id: 'demo-api',
      unit: 'req/s',
      subjects: ['demo-api'],
      baseline: 'bare-koa',
      job: async (target, seconds) =>
        http(target, seconds, {
          method: 'GET',
          path: '/protected',
          headers: { authorization: `Bearer ${await target.mintAccessToken!()}`, accept: 'application/json' },
        }),
      check: (status, body) => status === 200 && json(body)?.scope === BENCH_SCOPE,
    },
  ];
}

/** One measured run, with the CPU time the server (and PostgreSQL and Redis) spent on it. */
async function measureRound(scenario: Scenario, target: Target, seconds: number): Promise<RoundResult> {
  const job = await scenario.job(target, seconds);
  const helpersBefore = await target.helperPids?.();
  const serverBefore = readCpuMs(target.process.pid);
  const postgresBefore = new Map((helpersBefore?.postgres ?? []).map((pid) => [pid, readCpuMs(pid)]));
  const redisBefore = helpersBefore?.redis === undefined ? Number.NaN : readCpuMs(helpersBefore.redis);
  const machineBefore = readMachineCpu();
  const orchestratorBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await runLoad(job);
  const wallMs = performance.now() - wallBefore;
  const machineAfter = readMachineCpu();
  const serverMs = readCpuMs(target.process.pid) - serverBefore;
  const redisMs = helpersBefore?.redis === undefined ? Number.NaN : readCpuMs(helpersBefore.redis) - redisBefore;
  const helpersAfter = await target.helperPids?.();
  let postgresMs: number | undefined;
  if (helpersBefore?.postgres) {
    // Backends opened during the round count from zero.
    const pids = [...new Set([...postgresBefore.keys(), ...(helpersAfter?.postgres ?? [])])];
    postgresMs = readCpuMsOf(pids) - [...postgresBefore.values()].reduce((total, ms) => total + (Number.isFinite(ms) ? ms : 0), 0);
  }
  const perOp = (ms: number) => (result.ok > 0 ? ms / result.ok : Number.NaN);
  // Everything the machine did that the benchmark's own processes did not: the noise in this round.
  const orchestrator = process.cpuUsage(orchestratorBefore);
  const capacityMs = wallMs * cpus().length;
  const oursMs =
    serverMs +
    (postgresMs ?? 0) +
    (Number.isFinite(redisMs) ? redisMs : 0) +
    result.loaderProcessCpuMs +
    (orchestrator.user + orchestrator.system) / 1000;
  return {
    ...result,
    otherCpuPercent: (100 * (machineAfter.busyMs - machineBefore.busyMs - oursMs)) / capacityMs,
    stealPercent: (100 * (machineAfter.stealMs - machineBefore.stealMs)) / capacityMs,
    cpuPerOp: {
      server: perOp(serverMs),
      postgres: postgresMs === undefined ? undefined : perOp(postgresMs),
      redis: Number.isFinite(redisMs) ? perOp(redisMs) : undefined,
      loader: perOp(result.loaderCpuMs),
    },
  };
}

/** One request (or one login) per target before any load, so a broken setup fails loudly. */
async function checkScenario(scenario: Scenario, target: Target): Promise<void> {
  const job = await scenario.job(target, 1);
  if (job.kind === 'login') {
    await login(keepAliveAgent(1), job.target).catch((error: Error) => {
      throw new Error(`${scenario.id} on ${target.label}: ${error.message}`);
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
  if (!scenario.check?.(response.status, text)) {
    throw new Error(`${scenario.id} on ${target.label}: unexpected answer ${response.status} ${text.slice(0, 300)}`);
  }
}

async function mintByLogin(agent: ReturnType<typeof keepAliveAgent>, target: LoginTarget, count: number): Promise<string[]> {
  const tokens: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const { refreshToken } = await login(agent, target);
      if (!refreshToken) throw new Error('login did not return a refresh token (offline_access not granted?)');
      tokens.push(refreshToken);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
  return tokens;
}

async function mintInProcess(target: TargetProcess, request: MintRequest): Promise<string[]> {
  const child = target.child;
  const message = await new Promise<MintReply>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('bare provider did not mint in time')), 30_000);
    const onMessage = (reply: MintReply) => {
      if (reply.type !== 'ready') done(undefined, reply);
    };
    const done = (error: Error | undefined, reply?: MintReply) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      if (error) reject(error);
      else resolve(reply!);
    };
    child.on('message', onMessage);
    child.send(request);
  });
  if (message.type !== 'minted')
    throw new Error(`bare provider could not mint tokens: ${message.type === 'mint-error' ? message.message : message.type}`);
  return message.tokens;
}

async function clientCredentialsToken(issuer: Target): Promise<string> {
  const response = await fetch(new URL('/token', issuer.process.origin), {
    method: 'POST',
    headers: { authorization: basicAuth(issuer.client!.id, issuer.client!.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'client_credentials', resource: BENCH_RESOURCE, scope: BENCH_SCOPE }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`client credentials for the demo API failed: ${response.status}`);
  return body.access_token;
}

/** RSS once the process has settled after start-up, before any traffic. */
async function idleMemory(pid: number, options: BenchOptions): Promise<Memory> {
  await sleep(options.smoke ? 500 : 2000);
  return readMemory(pid);
}

function evaluateGoals(summaries: readonly Summary[], targets: Map<TargetId, Target>): Goal[] {
  const find = (scenario: string, target: string) =>
    summaries.find((summary) => summary.scenario === scenario && summary.target === target);
  const cc = find('client-credentials', 'postgres');
  const demo = find('demo-api', 'demo-api');
  const logins = find('login', 'postgres');
  const idle = targets.get('postgres')?.idle.rssMB;
  return [
    {
      name: 'client credentials, pg+redis vs bare oidc-provider',
      target: '>= 0.85x',
      measured:
        cc?.ratio === undefined ? '-' : `${cc.ratio.toFixed(2)}x (${cc.perSecond.toFixed(0)} req/s; CPU ratio ${cc.cpuRatio?.toFixed(2)}x)`,
      met: cc?.ratio === undefined ? undefined : cc.ratio >= 0.85,
    },
    {
      name: 'demo API vs bare Koa',
      target: '>= 0.75x',
      measured:
        demo?.ratio === undefined
          ? '-'
          : `${demo.ratio.toFixed(2)}x (${demo.perSecond.toFixed(0)} req/s; CPU ratio ${demo.cpuRatio?.toFixed(2)}x)`,
      met: demo?.ratio === undefined ? undefined : demo.ratio >= 0.75,
    },
    {
      name: 'complete password logins, pg+redis',
      target: '>= 60 logins/s',
      measured: logins ? `${logins.perSecond.toFixed(1)} logins/s` : '-',
      met: logins ? logins.perSecond >= 60 : undefined,
    },
    {
      name: 'idle RSS after start, pg+redis',
      target: '< 150 MB',
      measured: idle === undefined ? '-' : `${idle.toFixed(0)} MB`,
      met: idle === undefined ? undefined : idle < 150,
    },
  ];
}

function describeOptions(options: BenchOptions): string {
  return [
    options.smoke ? 'SMOKE' : undefined,
    `rounds ${options.rounds} x ${options.durationSeconds} s (+${options.warmupSeconds} s warm-up)`,
    `server from ${options.from}`,
    ...Object.entries(options.serverEnv).map(([name, value]) => `${name}=${value}`),
    `${options.connections} connections`,
    `${options.loginConcurrency} concurrent logins`,
    `modes ${options.modes.join(',')}`,
    `scenarios ${options.scenarios.join(',')}`,
    options.quietBudgetSeconds > 0
      ? `waits for a quiet machine (<${QUIET_THRESHOLD_PERCENT}% busy elsewhere, up to ${options.quietBudgetSeconds} s in all)`
      : undefined,
    options.profile ? 'PROFILING (--cpu-prof: figures are lower than normal)' : undefined,
  ]
    .filter(Boolean)
    .join('; ');
}

function describeMachine(): string {
  const cpu = cpus();
  return `${hostname()}: ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

function describeResult(result: RoundResult, unit: string): string {
  const rateText = result.perSecond >= 100 ? result.perSecond.toFixed(0) : result.perSecond.toFixed(1);
  const errors = result.non2xx + result.errors;
  const cpu = `server CPU ${result.cpuPerOp.server.toFixed(result.cpuPerOp.server < 10 ? 3 : 1)} ms/op`;
  return `${rateText.padStart(7)} ${unit}  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  ${cpu}${errors ? `  errors ${errors} (${result.firstError ?? ''})` : ''}`;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

let options: BenchOptions | 'help';
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
process.on('exit', killAllStarted);
try {
  process.exitCode = await main(options);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
