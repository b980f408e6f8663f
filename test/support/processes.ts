import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './free-port.ts';

/**
 * The one deadline for anything a test waits on a process for. Generous on purpose: a busy 2-core
 * machine has been seen to need 18 s for `db:migrate` alone. A process that is ready or done sooner
 * is answered sooner; the deadline only bounds a hang.
 */
export const PROCESS_DEADLINE_MS = 120_000;

/** For a test that waits on a process: the deadline plus room for the test's own steps. */
export const PROCESS_TEST_TIMEOUT_MS = PROCESS_DEADLINE_MS + 30_000;

export const ROOT = new URL('../../', import.meta.url).pathname;

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly stdin?: string;
}

const describeOutput = (stdout: string, stderr: string) => `\n--- stdout\n${stdout.slice(-2000)}\n--- stderr\n${stderr.slice(-2000)}`;

function spawnNode(script: string, args: readonly string[], options: SpawnOptions) {
  // A free admin port unless the test names one: test files run in parallel.
  const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd ?? ROOT, env: { ADMIN_PORT: '0', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
  child.stdin.end(options.stdin ?? '');
  return { child, output };
}

/** Runs a Node script to its end: exit code and output (killed, and reported, past the deadline). */
export async function runNode(script: string, args: readonly string[], options: SpawnOptions): Promise<ProcessResult> {
  const { child, output } = spawnNode(script, args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_DEADLINE_MS);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, ...output };
}

export interface RunningProcess {
  readonly child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts a long-running Node script and resolves once `isReady` says so (polled every 100 ms), or
 * rejects with the process's output as soon as it exits, or at the deadline.
 */
export async function startNode(script: string, args: readonly string[], options: SpawnOptions & { isReady: () => Promise<boolean> }): Promise<RunningProcess> {
  const { child, output } = spawnNode(script, args, options);
  let exited: { code: number | null } | undefined;
  child.once('exit', (code) => (exited = { code }));
  const running: RunningProcess = {
    child,
    output: () => ({ ...output }),
    async stop() {
      if (exited) return;
      const exit = once(child, 'exit');
      child.kill('SIGTERM');
      await exit;
    },
  };
  const deadline = Date.now() + PROCESS_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${script} exited with code ${exited.code} before it was ready${describeOutput(output.stdout, output.stderr)}`);
    if (await options.isReady().catch(() => false)) return running;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await running.stop();
  throw new Error(`${script} was not ready within ${PROCESS_DEADLINE_MS / 1000} s${describeOutput(output.stdout, output.stderr)}`);
}

/** Ready when `url` answers 2xx. */
export const answersOk = (url: string) => async () => (await fetch(url)).ok;

/**
 * The environment of a development server on its own: embedded database and store under
 * `dataDir`, a free loopback port, quiet logs; no DATABASE_URL or REDIS_URL from the caller.
 */
export async function embeddedServerEnv(dataDir: string): Promise<{ env: NodeJS.ProcessEnv; issuer: string }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'development', LOG_LEVEL: 'silent', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ISSUER: issuer };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return { env, issuer };
}
