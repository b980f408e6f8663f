/** A scenario's alternating rounds against its baseline, and their medians and ratios. */
import { checkScenario, type Scenario } from '../scenarios/scenario.ts';
import { runLoad } from './load.ts';
import { log } from './log.ts';
import type { BenchOptions } from './options.ts';
import type { Target } from './targets.ts';
import { readMemory, resetPeak, startCpuMeter } from './usage.ts';

export type RoundResult = Awaited<ReturnType<typeof measureRound>>;
type CpuPerOp = RoundResult['cpuPerOp'];

export interface Measurement {
  readonly scenario: string;
  readonly target: string;
  readonly label: string;
  readonly role: 'subject' | 'baseline';
  readonly unit: 'req/s' | 'logins/s';
  readonly rounds: readonly RoundResult[];
  readonly peakMB: number;
}

/**
 * Checks the scenario once per target, warms each up, then runs the rounds, alternating the order
 * every round (ABBA) so that drift (thermal, neighbours, caches) hits target and baseline alike.
 */
export async function measureScenario(
  scenario: Scenario,
  participants: readonly Target[],
  options: BenchOptions,
  waitForQuiet: () => Promise<void>,
): Promise<Measurement[]> {
  for (const target of participants) await checkScenario(scenario, target, options);
  for (const target of participants) resetPeak(target.process.pid);
  if (options.warmupSeconds > 0) {
    for (const target of participants) await runLoad(await scenario.job(target, options.warmupSeconds, options));
  }
  const rounds = new Map<Target, RoundResult[]>(participants.map((target) => [target, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    for (const target of round % 2 === 0 ? participants : [...participants].reverse()) {
      await waitForQuiet();
      const result = await measureRound(scenario, target, options);
      rounds.get(target)!.push(result);
      log(
        `  ${scenario.id.padEnd(18)} round ${round + 1}/${options.rounds}  ${target.label.padEnd(28)} ${describeRound(result, scenario.unit)}`,
      );
    }
  }
  return participants.map((target) => ({
    scenario: scenario.id,
    target: target.id,
    label: target.label,
    role: target.id === scenario.baseline ? 'baseline' : 'subject',
    unit: scenario.unit,
    rounds: rounds.get(target)!,
    peakMB: readMemory(target.process.pid).peakMB,
  }));
}

/** One run, with the CPU per operation of the server, its PostgreSQL backends, Redis and the load generator. */
async function measureRound(scenario: Scenario, target: Target, options: BenchOptions) {
  const job = await scenario.job(target, options.durationSeconds, options);
  const stopMeter = await startCpuMeter(target.process.pid, target.helperPids);
  const result = await runLoad(job);
  // A server that died mid-run would otherwise show up only as connection errors (and no figures).
  const exited = target.process.exitReport();
  if (exited) throw new Error(exited);
  const { serverMs, postgresMs, redisMs, ...noise } = await stopMeter(result.loaderProcessCpuMs);
  const perOp = (ms: number) => (result.ok > 0 ? ms / result.ok : Number.NaN);
  const cpuPerOp = {
    server: perOp(serverMs),
    postgres: postgresMs === undefined ? undefined : perOp(postgresMs),
    redis: redisMs === undefined ? undefined : perOp(redisMs),
    loader: perOp(result.loaderCpuMs),
  };
  return { ...result, ...noise, cpuPerOp };
}

function describeRound(result: RoundResult, unit: string): string {
  const rate = result.perSecond >= 100 ? result.perSecond.toFixed(0) : result.perSecond.toFixed(1);
  const errors = result.non2xx + result.errors;
  const cpu = `server CPU ${result.cpuPerOp.server.toFixed(result.cpuPerOp.server < 10 ? 3 : 1)} ms/op`;
  const failures = errors ? `  errors ${errors} (${result.firstError ?? ''})` : '';
  return `${rate.padStart(7)} ${unit}  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  ${cpu}${failures}`;
}

/** Medians over the rounds; for a subject, its ratios to the scenario's baseline. */
export type Summary = ReturnType<typeof summarizeOne>;

export const summarize = (measurements: readonly Measurement[]): Summary[] =>
  measurements.map((measurement) =>
    summarizeOne(
      measurement,
      measurements.find((other) => other.scenario === measurement.scenario && other.role === 'baseline'),
    ),
  );

function summarizeOne(measurement: Measurement, baseline: Measurement | undefined) {
  const { rounds } = measurement;
  const each = (pick: (round: RoundResult) => number) => rounds.map(pick);
  return {
    scenario: measurement.scenario,
    target: measurement.target,
    label: measurement.label,
    role: measurement.role,
    unit: measurement.unit,
    perSecond: median(each((round) => round.perSecond)),
    p50: median(each((round) => round.p50)),
    p99: median(each((round) => round.p99)),
    /** non-2xx responses + socket errors/timeouts (or failed logins), summed over rounds. */
    errors: each((round) => round.non2xx + round.errors).reduce((total, count) => total + count, 0),
    peakMB: measurement.peakMB,
    ...(measurement.role === 'subject' && baseline ? compare(rounds, baseline.rounds) : noComparison),
    perRound: each((round) => round.perSecond),
    firstError: rounds.find((round) => round.firstError)?.firstError,
    cpuPerOp: medianCpu(rounds),
    steps: medianSteps(rounds),
    maxOtherCpuPercent: Math.max(...each((round) => round.otherCpuPercent + round.stealPercent)),
  };
}

const noComparison = { ratio: undefined, ratioRange: undefined, cpuRatio: undefined };

/**
 * Ratio of the median rates, range of the round-by-round ratios, and the CPU ratio: baseline CPU
 * per operation / this target's (server + PostgreSQL + Redis), the throughput ratio each would
 * have with the machine to itself.
 */
function compare(rounds: readonly RoundResult[], baseline: readonly RoundResult[]) {
  const rate = (of: readonly RoundResult[]) => median(of.map((round) => round.perSecond));
  const paired = rounds.map((round, i) => round.perSecond / (baseline[i]?.perSecond ?? Number.NaN)).filter(Number.isFinite);
  const ratioRange: [number, number] | undefined = paired.length > 0 ? [Math.min(...paired), Math.max(...paired)] : undefined;
  return { ratio: rate(rounds) / rate(baseline), ratioRange, cpuRatio: totalCpu(medianCpu(baseline)) / totalCpu(medianCpu(rounds)) };
}

export const totalCpu = (cpu: CpuPerOp): number => cpu.server + (cpu.postgres ?? 0) + (cpu.redis ?? 0);

const medianCpu = (rounds: readonly RoundResult[]): CpuPerOp => ({
  server: median(rounds.map((round) => round.cpuPerOp.server)),
  postgres: optionalMedian(rounds.map((round) => round.cpuPerOp.postgres)),
  redis: optionalMedian(rounds.map((round) => round.cpuPerOp.redis)),
  loader: median(rounds.map((round) => round.cpuPerOp.loader)),
});

function medianSteps(rounds: readonly RoundResult[]): Record<string, number> | undefined {
  const names = [...new Set(rounds.flatMap((round) => Object.keys(round.steps ?? {})))];
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((name) => [name, median(rounds.map((round) => round.steps?.[name] ?? Number.NaN))]));
}

/** Median of the finite values; NaN when there are none. */
function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

function optionalMedian(values: readonly (number | undefined)[]): number | undefined {
  const present = values.filter((value): value is number => value !== undefined);
  return present.length > 0 ? median(present) : undefined;
}
