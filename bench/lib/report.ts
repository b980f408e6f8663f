import type { LoadResult } from './jobs.ts';
import { median, sum } from './stats.ts';

/** CPU time per completed operation, in ms, by process. */
export interface CpuPerOp {
  /** The measured server process (main thread and its thread pool). */
  readonly server: number;
  /** PostgreSQL backends serving the throwaway database (PostgreSQL mode only). */
  readonly postgres: number | undefined;
  /** The whole Redis server (it may serve other clients too). */
  readonly redis: number | undefined;
  /** The load generator process. */
  readonly loader: number;
}

export interface RoundResult extends LoadResult {
  readonly cpuPerOp: CpuPerOp;
  /**
   * CPU used during the round by processes other than the ones measured (other users of the
   * machine, the orchestrator), as a percentage of the machine's capacity: a noise indicator.
   */
  readonly otherCpuPercent: number;
  /** vCPU time stolen by the hypervisor during the round, as a percentage of capacity. */
  readonly stealPercent: number;
}

export interface Measurement {
  readonly scenario: string;
  readonly target: string;
  readonly label: string;
  readonly role: 'subject' | 'baseline';
  readonly unit: 'req/s' | 'logins/s';
  readonly rounds: readonly RoundResult[];
  readonly peakMB: number | undefined;
}

export interface Summary {
  readonly scenario: string;
  readonly target: string;
  readonly label: string;
  readonly role: 'subject' | 'baseline';
  readonly unit: 'req/s' | 'logins/s';
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** non-2xx responses + socket errors/timeouts (or failed logins), summed over rounds. */
  readonly errors: number;
  readonly peakMB: number | undefined;
  /** perSecond / the baseline's perSecond, when the scenario has a baseline. */
  readonly ratio: number | undefined;
  /** Smallest and largest per-round ratio (subject round i / baseline round i). */
  readonly ratioRange: readonly [number, number] | undefined;
  /**
   * Baseline CPU per operation / this target's CPU per operation (server + PostgreSQL + Redis):
   * the throughput ratio the two would have if each had the machine to itself. Much less
   * sensitive than `ratio` to noise and to the load generator being the bottleneck.
   */
  readonly cpuRatio: number | undefined;
  readonly perRound: readonly number[];
  readonly firstError: string | undefined;
  /** Median CPU ms per operation over the rounds. */
  readonly cpuPerOp: CpuPerOp;
  /** Login scenario: median over rounds of each step's median latency, in ms. */
  readonly steps: Readonly<Record<string, number>> | undefined;
  /** Largest share of the machine used by other processes during any round, in percent. */
  readonly maxOtherCpuPercent: number;
}

export function summarize(measurements: readonly Measurement[]): Summary[] {
  return measurements
    .map((measurement): Omit<Summary, 'cpuRatio'> => {
      const baseline =
        measurement.role === 'subject'
          ? measurements.find((other) => other.scenario === measurement.scenario && other.role === 'baseline')
          : undefined;
      const perSecond = median(measurement.rounds.map((round) => round.perSecond));
      let ratio: number | undefined;
      let ratioRange: [number, number] | undefined;
      if (baseline) {
        ratio = perSecond / median(baseline.rounds.map((round) => round.perSecond));
        const paired = measurement.rounds
          .map((round, i) => round.perSecond / (baseline.rounds[i]?.perSecond ?? Number.NaN))
          .filter((value) => Number.isFinite(value));
        if (paired.length > 0) ratioRange = [Math.min(...paired), Math.max(...paired)];
      }
      return {
        scenario: measurement.scenario,
        target: measurement.target,
        label: measurement.label,
        role: measurement.role,
        unit: measurement.unit,
        perSecond,
        p50: median(measurement.rounds.map((round) => round.p50)),
        p99: median(measurement.rounds.map((round) => round.p99)),
        errors: sum(measurement.rounds.map((round) => round.non2xx + round.errors)),
        peakMB: measurement.peakMB,
        ratio,
        ratioRange,
        perRound: measurement.rounds.map((round) => round.perSecond),
        firstError: measurement.rounds.find((round) => round.firstError)?.firstError,
        cpuPerOp: {
          server: median(measurement.rounds.map((round) => round.cpuPerOp.server)),
          postgres: optionalMedian(measurement.rounds.map((round) => round.cpuPerOp.postgres)),
          redis: optionalMedian(measurement.rounds.map((round) => round.cpuPerOp.redis)),
          loader: median(measurement.rounds.map((round) => round.cpuPerOp.loader)),
        },
        steps: medianSteps(measurement.rounds),
        maxOtherCpuPercent: Math.max(...measurement.rounds.map((round) => round.otherCpuPercent + round.stealPercent)),
      };
    })
    .map((summary, _i, all) => {
      const baseline =
        summary.role === 'subject' ? all.find((other) => other.scenario === summary.scenario && other.role === 'baseline') : undefined;
      return { ...summary, cpuRatio: baseline ? totalCpu(baseline.cpuPerOp) / totalCpu(summary.cpuPerOp) : undefined };
    });
}

const totalCpu = (cpu: CpuPerOp): number => cpu.server + (cpu.postgres ?? 0) + (cpu.redis ?? 0);

function medianSteps(rounds: readonly RoundResult[]): Record<string, number> | undefined {
  const names = [...new Set(rounds.flatMap((round) => Object.keys(round.steps ?? {})))];
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((name) => [name, median(rounds.map((round) => round.steps?.[name] ?? Number.NaN))]));
}

export const stepRows = (summaries: readonly Summary[]): string[][] =>
  summaries.flatMap((summary) =>
    Object.entries(summary.steps ?? {}).map(([step, ms]) => [summary.label, step, Number.isFinite(ms) ? ms.toFixed(1) : '-']),
  );

export const STEP_HEADER = ['target', 'login step', 'median ms'];

function optionalMedian(values: readonly (number | undefined)[]): number | undefined {
  const present = values.filter((value): value is number => value !== undefined);
  return present.length > 0 ? median(present) : undefined;
}

export interface MemoryRow {
  readonly label: string;
  readonly idleMB: number;
  readonly peakMB: number;
  readonly endMB: number;
}

export interface Goal {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
  /** False in smoke runs, whose cold one-second rounds cannot judge a goal. */
  readonly judged?: boolean;
}

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
const rate = (value: number): string => (!Number.isFinite(value) ? '-' : value >= 100 ? value.toFixed(0) : value.toFixed(1));

export function resultRows(summaries: readonly Summary[]): string[][] {
  return summaries.map((summary) => [
    summary.scenario,
    summary.label,
    `${rate(summary.perSecond)} ${summary.unit}`,
    fixed(summary.p50, summary.unit === 'logins/s' ? 0 : 2),
    fixed(summary.p99, summary.unit === 'logins/s' ? 0 : 2),
    String(summary.errors),
    fixed(summary.peakMB, 0),
    summary.ratio === undefined ? '' : `${summary.ratio.toFixed(2)}x`,
    summary.ratioRange ? `${summary.ratioRange[0].toFixed(2)}-${summary.ratioRange[1].toFixed(2)}` : '',
    summary.cpuRatio === undefined ? '' : `${summary.cpuRatio.toFixed(2)}x`,
    Number.isFinite(summary.maxOtherCpuPercent) ? `${Math.max(0, summary.maxOtherCpuPercent).toFixed(0)}%` : '-',
  ]);
}

export const CPU_HEADER = ['scenario', 'target', 'server', 'postgres', 'redis', 'server+pg+redis', 'load generator'];

export function cpuRows(summaries: readonly Summary[]): string[][] {
  const ms = (value: number | undefined) =>
    value === undefined || !Number.isFinite(value) ? '-' : value < 10 ? value.toFixed(3) : value.toFixed(1);
  return summaries.map((summary) => {
    const cpu = summary.cpuPerOp;
    return [summary.scenario, summary.label, ms(cpu.server), ms(cpu.postgres), ms(cpu.redis), ms(totalCpu(cpu)), ms(cpu.loader)];
  });
}

export const RESULT_HEADER = [
  'scenario',
  'target',
  'median rate',
  'p50 ms',
  'p99 ms',
  'errors',
  'peak RSS MB',
  'ratio',
  'per-round ratios',
  'CPU ratio',
  'other load',
];
export const MEMORY_HEADER = ['process', 'idle RSS MB (after start)', 'peak RSS MB (VmHWM)', 'RSS MB at end'];
export const GOAL_HEADER = ['goal', 'target', 'measured', 'status'];

export const memoryRows = (rows: readonly MemoryRow[]): string[][] =>
  rows.map((row) => [row.label, fixed(row.idleMB, 0), fixed(row.peakMB, 0), fixed(row.endMB, 0)]);

export const goalRows = (goals: readonly Goal[]): string[][] =>
  goals.map((goal) => [
    goal.name,
    goal.target,
    goal.measured,
    goal.judged === false ? 'not judged (smoke)' : goal.met === undefined ? 'not measured' : goal.met ? 'met' : 'MISSED',
  ]);

/** A plain-text table: left-aligned text, right-aligned numbers. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => /^[-\d.,x %]*(req\/s|logins\/s)?$/.test(row[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
