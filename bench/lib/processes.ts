import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
export { freePort } from '../../test/support/free-port.ts';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly origin: string;
  /** Undefined while it runs; once it has exited, how (exit code or signal) and its last output lines. */
  exitReport(): string | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly name: string;
  readonly script: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly origin: string;
  /** GET this path until it answers 200 (default: any HTTP answer on /). */
  readonly readyPath?: string;
  readonly ipc?: boolean;
}

const READY_TIMEOUT_MS = 60_000;
const started = new Set<ChildProcess>();

/** Last resort: no child outlives the orchestrator, even when it dies on an exception. */
export function killAllStarted(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Starts `node <script>` with the orchestrator's Node binary and waits until it answers. */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, [options.script], {
    cwd: options.cwd,
    env: options.env,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const output = lastLines(child);
  const exited = once(child, 'exit');
  const closed = once(child, 'close').catch(() => undefined);
  const stop = async () => {
    if (hasExited(child)) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    started.delete(child);
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(new URL(options.readyPath ?? '/', options.origin), options.readyPath !== undefined))) {
    if (hasExited(child)) {
      await closed;
      throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} was not ready after ${READY_TIMEOUT_MS} ms:\n${output()}`);
    }
    await sleep(100);
  }
  const exitReport = () =>
    hasExited(child)
      ? `${options.name} exited (${child.exitCode ?? child.signalCode}); its last output:\n${output() || '(none)'}`
      : undefined;
  return { child, pid: child.pid!, origin: options.origin, exitReport, stop };
}

async function answers(url: URL, needs200: boolean): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return !needs200 || response.status === 200;
  } catch {
    return false;
  }
}

/** The last 40 lines the child wrote to stdout and stderr, for error messages. */
function lastLines(child: ChildProcess): () => string {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => lines.join('\n');
}

/** Runs `node <script> <args>` to completion, feeding `stdin`; rejects with its stderr when it fails. */
export async function runCommand(
  script: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; stdin?: string },
): Promise<string> {
  const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  started.delete(child);
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`);
  return stdout;
}
