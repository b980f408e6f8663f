/** CPU and memory of processes and of the whole machine, from Linux's /proc. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from './log.ts';

export interface Memory {
  /** Resident set size now (VmRSS), in MB (10^6 bytes). */
  readonly rssMB: number;
  /** Peak resident set size (VmHWM) since start or since the last resetPeak, in MB. */
  readonly peakMB: number;
}

export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  // /proc says "kB" and means KiB.
  const field = (name: string) => (Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024) / 1e6;
  return { rssMB: field('VmRSS'), peakMB: field('VmHWM') };
}

/** Resets VmHWM to the current RSS ("5" > /proc/<pid>/clear_refs), where allowed. */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not allowed: the peak then counts from the process start
  }
}

let clockTicks: number | undefined;
const ticksToMs = (ticks: number) =>
  (ticks * 1000) / (clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);

/** CPU time (user + system) a process has used so far, in ms; NaN when it cannot be read. */
export function readCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // utime and stime are fields 14 and 15, counted from the end of the parenthesised command name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ticksToMs(Number(fields[11]) + Number(fields[12]));
  } catch {
    return Number.NaN;
  }
}

const finiteOrZero = (ms: number) => (Number.isFinite(ms) ? ms : 0);

interface MachineCpu {
  /** CPU time all processors spent busy (user, nice, system, irq, softirq), in ms. */
  readonly busyMs: number;
  /** Time the hypervisor ran something else while a vCPU wanted to run, in ms. */
  readonly stealMs: number;
}

function readMachineCpu(): MachineCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busyMs: ticksToMs(user + nice + system + irq + softirq), stealMs: ticksToMs(steal) };
  } catch {
    return { busyMs: Number.NaN, stealMs: Number.NaN };
  }
}

/** Rounds start once other processes use less than this share of the machine (see --quiet-budget). */
export const QUIET_THRESHOLD_PERCENT = 15;

/**
 * Before each round, waits (at most 10 s, and `budgetSeconds` over the whole run) while other
 * processes keep more than QUIET_THRESHOLD_PERCENT of the machine busy.
 */
export function quietWaiter(budgetSeconds: number): () => Promise<void> {
  let budgetMs = budgetSeconds * 1000;
  return async () => {
    if (budgetMs <= 0) return;
    const start = performance.now();
    let busyPercent = await othersBusyPercent();
    while (busyPercent >= QUIET_THRESHOLD_PERCENT && performance.now() - start < Math.min(10_000, budgetMs)) {
      busyPercent = await othersBusyPercent();
    }
    const waitedMs = performance.now() - start;
    if (waitedMs <= 1000) return;
    budgetMs -= waitedMs;
    const left = Math.max(0, budgetMs / 1000).toFixed(0);
    log(`  waited ${(waitedMs / 1000).toFixed(0)} s for other processes (last ${busyPercent.toFixed(0)}% busy); ${left} s of waiting left`);
  };
}

/** The share of the machine other processes used over the next half second, in percent. */
async function othersBusyPercent(): Promise<number> {
  const before = readMachineCpu();
  const own = process.cpuUsage();
  const wallStart = performance.now();
  await sleep(500);
  const after = readMachineCpu();
  const ownUsage = process.cpuUsage(own);
  const othersMs = after.busyMs - before.busyMs + after.stealMs - before.stealMs - (ownUsage.user + ownUsage.system) / 1000;
  return (100 * othersMs) / ((performance.now() - wallStart) * cpus().length);
}

/** Processes doing a server's work besides the server itself. */
export interface HelperPids {
  readonly postgres: readonly number[];
  readonly redis: number | undefined;
}

/**
 * Starts counting the CPU a round costs. The returned function stops counting; it is given the
 * load generator process's CPU, which is part of the measurement and so not "other load".
 */
export async function startCpuMeter(serverPid: number, helpers?: () => Promise<HelperPids>) {
  const helpersBefore = await helpers?.();
  const serverBefore = readCpuMs(serverPid);
  const postgresBefore = new Map((helpersBefore?.postgres ?? []).map((pid) => [pid, readCpuMs(pid)]));
  const redisPid = helpersBefore?.redis;
  const redisBefore = redisPid === undefined ? Number.NaN : readCpuMs(redisPid);
  const machineBefore = readMachineCpu();
  const orchestratorBefore = process.cpuUsage();
  const wallBefore = performance.now();
  return async (loaderProcessCpuMs: number) => {
    const capacityMs = (performance.now() - wallBefore) * cpus().length;
    const machineAfter = readMachineCpu();
    const serverMs = readCpuMs(serverPid) - serverBefore;
    const redisMs = redisPid === undefined ? Number.NaN : readCpuMs(redisPid) - redisBefore;
    const postgresMs = helpersBefore ? postgresCpuSince(postgresBefore, (await helpers!()).postgres) : undefined;
    const orchestrator = process.cpuUsage(orchestratorBefore);
    const oursMs =
      serverMs + (postgresMs ?? 0) + finiteOrZero(redisMs) + loaderProcessCpuMs + (orchestrator.user + orchestrator.system) / 1000;
    return {
      serverMs,
      postgresMs,
      redisMs: Number.isFinite(redisMs) ? redisMs : undefined,
      /** CPU used by processes other than the ones measured and the orchestrator, as % of the machine. */
      otherCpuPercent: (100 * (machineAfter.busyMs - machineBefore.busyMs - oursMs)) / capacityMs,
      stealPercent: (100 * (machineAfter.stealMs - machineBefore.stealMs)) / capacityMs,
    };
  };
}

/** Backends opened during the round count from zero; backends gone by its end count as 0. */
function postgresCpuSince(before: ReadonlyMap<number, number>, pidsAfter: readonly number[]): number {
  const pids = new Set([...before.keys(), ...pidsAfter]);
  const after = [...pids].reduce((total, pid) => total + finiteOrZero(readCpuMs(pid)), 0);
  return after - [...before.values()].reduce((total, ms) => total + finiteOrZero(ms), 0);
}
