import { parseArgs } from 'node:util';
import { QUIET_THRESHOLD_PERCENT } from './usage.ts';

export const SCENARIOS = [
  'client-credentials',
  'refresh',
  'introspection',
  'userinfo',
  'login',
  'demo-api',
  'admin-list-clients',
  'admin-list-clients-deep',
  'admin-create-clients',
] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export const MODES = ['postgres', 'embedded'] as const;
export type Mode = (typeof MODES)[number];

export type BenchOptions = Exclude<ReturnType<typeof parseOptions>, 'help'>;

const USAGE = `usage: npm run bench -- [options]

Starts Portcullis (PostgreSQL + Redis, and embedded), the baselines (bare oidc-provider, bare Koa)
and the demo API, drives them from separate processes and prints medians over alternating rounds.

  --rounds <n>             measured rounds per target and scenario (default 3)
  --duration <s>           seconds per round (default 5)
  --warmup <s>             unmeasured seconds per target before round 1 (default 2)
  --connections <n>        autocannon connections (default 10)
  --login-concurrency <n>  logins in flight in the login scenario (default 8)
  --scenarios <list>       comma-separated subset of: ${SCENARIOS.join(', ')}
  --modes <list>           comma-separated subset of: ${MODES.join(', ')} (default both)
  --smoke                  every scenario once for ~1 s (CI): --rounds 1 --duration 1 --warmup 0
                           --connections 4 --quiet-budget 0; exits 1 on errors
  --from <dist|src>        dist (default): build src/ with scripts/build.mjs into a private folder and
                           run main.js as \`npm start\` does; src: run src/main.ts with type stripping
  --server-env <K=V>       extra environment for the Portcullis servers, repeatable
                           (e.g. --server-env UV_THREADPOOL_SIZE=2 --server-env DATABASE_POOL_SIZE=4)
  --profile                start every measured process with --cpu-prof (profiles in bench/results/profiles/)
  --database-url <url>     PostgreSQL to create a throwaway database in
                           (default $BENCH_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/postgres)
  --redis-url <url>        Redis (default $BENCH_REDIS_URL or redis://127.0.0.1:6379)
  --quiet-budget <s>       before each round, wait while other processes use >15% of the machine,
                           at most 10 s per round and <s> seconds in all (default 120; 0 = never)
  --json <file>            also write the results as JSON (default bench/results/latest.json)
  --markdown               also print the tables as Markdown
  --help                   this text
`;

class UsageError extends Error {}

/** The options on the command line; prints the usage and exits on --help or a mistake. */
export function readOptions(argv: readonly string[]): BenchOptions {
  try {
    const options = parseOptions(argv, process.env);
    if (options !== 'help') return options;
    process.stdout.write(USAGE);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
}

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        rounds: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        'login-concurrency': { type: 'string' },
        scenarios: { type: 'string' },
        modes: { type: 'string' },
        smoke: { type: 'boolean' },
        profile: { type: 'boolean' },
        'database-url': { type: 'string' },
        'redis-url': { type: 'string' },
        json: { type: 'string' },
        markdown: { type: 'boolean' },
        'quiet-budget': { type: 'string' },
        from: { type: 'string' },
        'server-env': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values;
  if (values.help) return 'help';
  const smoke = values.smoke === true;
  return {
    rounds: number('rounds', values.rounds, smoke ? 1 : 3, 1, 50),
    durationSeconds: number('duration', values.duration, smoke ? 1 : 5, 0.5, 300, false),
    warmupSeconds: number('warmup', values.warmup, smoke ? 0 : 2, 0, 60, false),
    connections: number('connections', values.connections, smoke ? 4 : 10, 1, 1000),
    loginConcurrency: number('login-concurrency', values['login-concurrency'], 8, 1, 64),
    scenarios: list('scenarios', values.scenarios, SCENARIOS),
    modes: list('modes', values.modes, MODES),
    smoke,
    profile: values.profile === true,
    databaseUrl: values['database-url'] ?? env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    redisUrl: values['redis-url'] ?? env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    jsonPath: values.json,
    markdown: values.markdown === true,
    quietBudgetSeconds: number('quiet-budget', values['quiet-budget'], smoke ? 0 : 120, 0, 3600),
    from: source(values.from),
    serverEnv: Object.fromEntries((values['server-env'] ?? []).map(environmentPair)),
  };
}

function number(name: string, raw: string | undefined, fallback: number, min: number, max: number, integer = true): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** The listed items, in the order of `allowed`; all of them when the option is absent. */
function list<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T[] {
  if (raw === undefined) return [...allowed];
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const unknown = items.filter((item) => !allowed.includes(item as T));
  if (unknown.length > 0 || items.length === 0)
    throw new UsageError(`--${name}: unknown ${unknown.join(', ') || '(empty)'}; choose from ${allowed.join(', ')}`);
  return allowed.filter((item) => items.includes(item));
}

function source(raw: string | undefined): 'dist' | 'src' {
  if (raw === undefined || raw === 'dist' || raw === 'src') return raw ?? 'dist';
  throw new UsageError(`--from must be dist or src (got "${raw}")`);
}

function environmentPair(pair: string): [string, string] {
  const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
  if (!match) throw new UsageError(`--server-env expects NAME=value (got "${pair}")`);
  return [match[1]!, match[2]!];
}

export function describeOptions(options: BenchOptions): string {
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
