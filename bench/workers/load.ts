/**
 * Load generator, run in its own process (forked by lib/load.ts) so that it never shares an event
 * loop with the server it measures. Receives one LoadJob over IPC, answers with one LoadResult.
 */
import autocannon, { type AutocannonRequest } from 'autocannon';
import { keepAliveAgent } from '../lib/http.ts';
import type { HttpLoadJob, LoadJob, LoadResult, LoginLoadJob, WorkerMessage } from '../lib/load.ts';
import { login } from '../lib/login-flow.ts';

type LoadFigures = Omit<LoadResult, 'loaderCpuMs' | 'loaderProcessCpuMs'>;

const reply = (message: WorkerMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) resolve();
    else process.send(message, () => resolve());
  });

process.once('message', (job: LoadJob) => {
  const cpu = process.cpuUsage();
  const run = job.kind === 'http' ? runHttp(job) : runLogins(job);
  run.then(
    async (partial) => {
      const used = process.cpuUsage(cpu);
      const total = process.cpuUsage();
      await reply({
        type: 'result',
        result: { ...partial, loaderCpuMs: (used.user + used.system) / 1000, loaderProcessCpuMs: (total.user + total.system) / 1000 },
      });
      process.exit(0);
    },
    async (error: unknown) => {
      await reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    },
  );
});

async function runHttp(job: HttpLoadJob): Promise<LoadFigures> {
  const latency = new LatencyRecorder();
  let firstError: string | undefined;
  const request: AutocannonRequest = {
    method: job.method,
    path: job.path,
    headers: { ...job.headers },
    ...(job.body === undefined ? {} : { body: job.body }),
  };

  if (job.refreshTokens) {
    // A shared pool rather than autocannon's per-connection context: that context is reset after
    // every pass over `requests`, i.e. after each request here.
    const pool = [...job.refreshTokens];
    request.setupRequest = (data) => {
      // An empty pool means tokens were lost to failed requests; the placeholder fails visibly.
      const token = pool.pop() ?? 'pool-exhausted';
      return { ...data, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString() };
    };
    request.onResponse = (status, body) => {
      if (status !== 200) {
        firstError ??= `${status} ${body.slice(0, 200)}`;
        return;
      }
      const rotated = (JSON.parse(body) as { refresh_token?: string }).refresh_token;
      if (rotated) pool.push(rotated);
      else firstError ??= 'refresh response without a rotated refresh_token';
    };
  } else {
    request.onResponse = (status, body) => {
      if (status < 200 || status >= 300) firstError ??= `${status} ${body.slice(0, 200)}`;
    };
  }

  const instance = autocannon({
    url: job.origin,
    connections: job.connections,
    duration: job.durationSeconds,
    timeout: 10,
    requests: [request],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latency.record(responseTime));
  instance.on('reqError', (error: Error) => {
    firstError ??= error.message;
  });
  const result = await instance;
  const ok = result['2xx'];
  return {
    ok,
    seconds: result.duration,
    perSecond: ok / result.duration,
    p50: latency.percentile(50),
    p99: latency.percentile(99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/**
 * Complete logins with at most `concurrency` in flight: each one is a fresh "browser" (empty cookie
 * jar) doing authorize, login form (argon2id), consent and code exchange. Only logins that finish
 * inside the window count; the window is closed before in-flight logins are awaited.
 */
async function runLogins(job: LoginLoadJob): Promise<LoadFigures> {
  const agent = keepAliveAgent(job.concurrency);
  const latency = new LatencyRecorder();
  const started = performance.now();
  const deadline = started + job.durationSeconds * 1000;
  let ok = 0;
  let failed = 0;
  let launched = 0;
  let firstError: string | undefined;
  const steps = new Map<string, LatencyRecorder>();
  const trace = (step: string, ms: number) => {
    let recorder = steps.get(step);
    if (!recorder) steps.set(step, (recorder = new LatencyRecorder(100_000)));
    recorder.record(ms);
  };

  const loop = async () => {
    while (performance.now() < deadline && launched < job.maxLogins) {
      launched += 1;
      const begin = performance.now();
      try {
        await login(agent, job.target, trace);
        const end = performance.now();
        if (end <= deadline) {
          ok += 1;
          latency.record(end - begin);
        }
      } catch (error) {
        failed += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  agent.destroy();
  // Ends at the deadline, or earlier when the login cap was reached first.
  const seconds = (Math.min(performance.now(), deadline) - started) / 1000;
  return {
    ok,
    seconds,
    perSecond: ok / seconds,
    p50: latency.percentile(50),
    p99: latency.percentile(99),
    non2xx: 0,
    errors: failed,
    statusCodes: {},
    steps: Object.fromEntries([...steps].map(([step, recorder]) => [step, recorder.percentile(50)])),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/** Latency samples in milliseconds; keeps a uniform random sample once more than `capacity` arrive. */
class LatencyRecorder {
  readonly #samples: Float64Array;
  #seen = 0;

  constructor(capacity = 1_000_000) {
    this.#samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    const capacity = this.#samples.length;
    if (this.#seen < capacity) this.#samples[this.#seen] = ms;
    else {
      const slot = Math.floor(Math.random() * (this.#seen + 1));
      if (slot < capacity) this.#samples[slot] = ms;
    }
    this.#seen += 1;
  }

  percentile(p: number): number {
    const count = Math.min(this.#seen, this.#samples.length);
    if (count === 0) return Number.NaN;
    const sorted = this.#samples.slice(0, count).sort();
    return sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))] ?? Number.NaN;
  }
}
