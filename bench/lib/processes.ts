import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
export { freePort } from '../../test/support/free-port.ts';

/** A process the benchmark started and will stop: a server under test or a baseline. */
export interface TargetProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly origin: string;
  /** The last lines the process wrote to stdout/stderr, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();

/** Last resort: no child outlives the orchestrator, even when it dies on an exception. */
export function killAllStarted(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}


export interface StartOptions {
  readonly name: string;
  readonly script: string;
  readonly args?: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly origin: string;
  /** GET this path until it answers 200 (default: any HTTP answer on /). */
  readonly readyPath?: string;
  readonly ipc?: boolean;
  readonly timeoutMs?: number;
}

/** Starts `node <script>` with the same Node binary as the orchestrator and waits until it answers. */
export async function startTarget(options: StartOptions): Promise<TargetProcess> {
  const child = spawn(process.execPath, [options.script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = () => lines.join('\n');
  const exited = once(child, 'exit');

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    started.delete(child);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const probe = new URL(options.readyPath ?? '/', options.origin);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(probe, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (!options.readyPath || response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} was not ready after ${options.timeoutMs ?? 60_000} ms:\n${output()}`);
    }
    await sleep(100);
  }
  return { name: options.name, child, pid: child.pid!, origin: options.origin, output, stop };
}

export interface Memory {
  /** Resident set size now (VmRSS), in MB (10^6 bytes). */
  readonly rssMB: number;
  /** Peak resident set size (VmHWM) since start or since the last resetPeak, in MB. */
  readonly peakMB: number;
}

export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  // /proc reports "kB" meaning KiB.
  const field = (name: string) => (Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024) / 1e6;
  return { rssMB: field('VmRSS'), peakMB: field('VmHWM') };
}

/** Resets VmHWM to the current RSS (Linux: "5" > /proc/<pid>/clear_refs); false when not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Runs a command to completion, feeding `stdin`; rejects with its stderr when it fails. */
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

let clockTicks: number | undefined;

/** CPU time (user + system) a process has used so far, in ms; NaN when it cannot be read. */
export function readCpuMs(pid: number): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** Summed CPU ms of several processes; processes that are gone count as 0. */
export function readCpuMsOf(pids: readonly number[]): number {
  return pids.reduce((total, pid) => {
    const ms = readCpuMs(pid);
    return total + (Number.isFinite(ms) ? ms : 0);
  }, 0);
}

export interface MachineCpu {
  /** CPU time all processors spent busy (user, nice, system, irq, softirq), in ms. */
  readonly busyMs: number;
  /** Time the hypervisor ran something else while a vCPU wanted to run, in ms. */
  readonly stealMs: number;
}

/** Machine-wide CPU counters from /proc/stat (summed over processors). */
export function readMachineCpu(): MachineCpu {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busyMs: ((user + nice + system + irq + softirq) * 1000) / clockTicks, stealMs: (steal * 1000) / clockTicks };
  } catch {
    return { busyMs: Number.NaN, stealMs: Number.NaN };
  }
}

/**
 * Waits (at most `maxWaitMs`) until other processes use less than `thresholdPercent` of the
 * machine, sampled over half a second at a time. Returns how long it waited and the last sample.
 */
export async function waitForQuiet(thresholdPercent: number, maxWaitMs: number): Promise<{ waitedMs: number; busyPercent: number }> {
  const start = performance.now();
  const capacity = cpus().length;
  let busyPercent: number;
  do {
    const before = readMachineCpu();
    const own = process.cpuUsage();
    const wallStart = performance.now();
    await sleep(500);
    const after = readMachineCpu();
    const ownUsage = process.cpuUsage(own);
    const wall = performance.now() - wallStart;
    busyPercent =
      (100 * (after.busyMs - before.busyMs + after.stealMs - before.stealMs - (ownUsage.user + ownUsage.system) / 1000)) /
      (wall * capacity);
    if (!(busyPercent >= thresholdPercent)) break;
  } while (performance.now() - start < maxWaitMs);
  return { waitedMs: performance.now() - start, busyPercent };
}
