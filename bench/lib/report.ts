/** The tables, the goals, and where they go: stdout as text (and Markdown), and a JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { log } from './log.ts';
import { describeOptions, type BenchOptions } from './options.ts';
import { RESULTS } from './paths.ts';
import { totalCpu, type Measurement, type Summary } from './rounds.ts';
import type { Target } from './targets.ts';
import { readMemory } from './usage.ts';

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

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Idle, peak (over start-up and every scenario) and current RSS of every target. */
export const memoryRows = (targets: Iterable<Target>, measurements: readonly Measurement[]): MemoryRow[] =>
  [...targets].map((target) => ({
    label: target.label,
    idleMB: target.idle.rssMB,
    peakMB: Math.max(target.idle.peakMB, ...measurements.filter((m) => m.target === target.id).map((m) => m.peakMB)),
    endMB: readMemory(target.process.pid).rssMB,
  }));

export function evaluateGoals(summaries: readonly Summary[], postgresIdleMB: number | undefined, smoke: boolean): Goal[] {
  const find = (scenario: string, target: string) =>
    summaries.find((summary) => summary.scenario === scenario && summary.target === target);
  const logins = find('login', 'postgres')?.perSecond;
  const goals: Goal[] = [
    ratioGoal('client credentials, pg+redis vs bare oidc-provider', find('client-credentials', 'postgres'), 0.85),
    ratioGoal('demo API vs bare Koa', find('demo-api', 'demo-api'), 0.75),
    {
      name: 'complete password logins, pg+redis',
      target: '>= 60 logins/s',
      measured: logins === undefined ? '-' : `${logins.toFixed(1)} logins/s`,
      met: logins === undefined ? undefined : logins >= 60,
    },
    {
      name: 'idle RSS after start, pg+redis',
      target: '< 150 MB',
      measured: postgresIdleMB === undefined ? '-' : `${postgresIdleMB.toFixed(0)} MB`,
      met: postgresIdleMB === undefined ? undefined : postgresIdleMB < 150,
    },
  ];
  return smoke ? goals.map((goal) => ({ ...goal, met: undefined, judged: false })) : goals;
}

function ratioGoal(name: string, summary: Summary | undefined, minimum: number): Goal {
  const ratio = summary?.ratio;
  if (ratio === undefined) return { name, target: `>= ${minimum}x`, measured: '-', met: undefined };
  const measured = `${ratio.toFixed(2)}x (${summary!.perSecond.toFixed(0)} req/s; CPU ratio ${summary!.cpuRatio?.toFixed(2)}x)`;
  return { name, target: `>= ${minimum}x`, measured, met: ratio >= minimum };
}

export interface Report {
  readonly summaries: readonly Summary[];
  readonly memory: readonly MemoryRow[];
  readonly goals: readonly Goal[];
}

export function printReport(report: Report, options: BenchOptions): void {
  const { summaries } = report;
  const steps = stepsTable(summaries);
  const lines = [
    '',
    `Portcullis benchmark  ${new Date().toISOString()}`,
    describeMachine(),
    describeOptions(options),
    '',
    textTable(resultsTable(summaries)),
    '',
    'CPU ms per operation (median over rounds):',
    textTable(cpuTable(summaries)),
    '',
    ...(steps.rows.length > 0 ? ['Login flow, latency of each step under load:', textTable(steps), ''] : []),
    textTable(memoryTable(report.memory)),
    '',
    textTable(goalsTable(report.goals)),
    '',
    ...summaries
      .filter((summary) => summary.errors > 0)
      .map((summary) => `! ${summary.scenario} / ${summary.label}: ${summary.errors} errors, first: ${summary.firstError ?? 'n/a'}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (options.markdown) {
    const tables = [resultsTable(summaries), cpuTable(summaries), memoryTable(report.memory), goalsTable(report.goals)];
    process.stdout.write(`\n${tables.map(markdownTable).join('\n\n')}\n`);
  }
}

/** Everything, every round included, to --json (default bench/results/latest.json). */
export function writeJson(report: Report, measurements: readonly Measurement[], runId: string, options: BenchOptions): void {
  const path = options.jsonPath ?? join(RESULTS, 'latest.json');
  mkdirSync(dirname(path), { recursive: true });
  const { summaries, memory, goals } = report;
  writeFileSync(
    path,
    `${JSON.stringify({ runId, machine: describeMachine(), options, summaries, memory, goals, measurements }, null, 2)}\n`,
  );
  log(`results written to ${path}`);
}

function describeMachine(): string {
  const cpu = cpus();
  return `${hostname()}: ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
const rate = (value: number): string => (!Number.isFinite(value) ? '-' : value >= 100 ? value.toFixed(0) : value.toFixed(1));
const cpuMs = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '-' : value < 10 ? value.toFixed(3) : value.toFixed(1);
const ratioText = (value: number | undefined): string => (value === undefined ? '' : `${value.toFixed(2)}x`);

type Column = readonly [header: string, cell: (summary: Summary) => string];

const latency = (summary: Summary, value: number) => fixed(value, summary.unit === 'logins/s' ? 0 : 2);

const RESULT_COLUMNS: readonly Column[] = [
  ['scenario', (summary) => summary.scenario],
  ['target', (summary) => summary.label],
  ['median rate', (summary) => `${rate(summary.perSecond)} ${summary.unit}`],
  ['p50 ms', (summary) => latency(summary, summary.p50)],
  ['p99 ms', (summary) => latency(summary, summary.p99)],
  ['errors', (summary) => String(summary.errors)],
  ['peak RSS MB', (summary) => fixed(summary.peakMB, 0)],
  ['ratio', (summary) => ratioText(summary.ratio)],
  ['per-round ratios', ({ ratioRange: range }) => (range ? `${range[0].toFixed(2)}-${range[1].toFixed(2)}` : '')],
  ['CPU ratio', (summary) => ratioText(summary.cpuRatio)],
  ['other load', ({ maxOtherCpuPercent: other }) => (Number.isFinite(other) ? `${Math.max(0, other).toFixed(0)}%` : '-')],
];

const resultsTable = (summaries: readonly Summary[]): Table => ({
  header: RESULT_COLUMNS.map(([header]) => header),
  rows: summaries.map((summary) => RESULT_COLUMNS.map(([, cell]) => cell(summary))),
});

const cpuTable = (summaries: readonly Summary[]): Table => ({
  header: ['scenario', 'target', 'server', 'postgres', 'redis', 'server+pg+redis', 'load generator'],
  rows: summaries.map(({ scenario, label, cpuPerOp: cpu }) => [
    scenario,
    label,
    ...[cpu.server, cpu.postgres, cpu.redis, totalCpu(cpu), cpu.loader].map(cpuMs),
  ]),
});

const stepsTable = (summaries: readonly Summary[]): Table => ({
  header: ['target', 'login step', 'median ms'],
  rows: summaries.flatMap((summary) => Object.entries(summary.steps ?? {}).map(([step, ms]) => [summary.label, step, fixed(ms, 1)])),
});

const memoryTable = (rows: readonly MemoryRow[]): Table => ({
  header: ['process', 'idle RSS MB (after start)', 'peak RSS MB (VmHWM)', 'RSS MB at end'],
  rows: rows.map((row) => [row.label, fixed(row.idleMB, 0), fixed(row.peakMB, 0), fixed(row.endMB, 0)]),
});

const goalsTable = (goals: readonly Goal[]): Table => ({
  header: ['goal', 'target', 'measured', 'status'],
  rows: goals.map((goal) => [goal.name, goal.target, goal.measured, goalStatus(goal)]),
});

const goalStatus = (goal: Goal): string =>
  goal.judged === false ? 'not judged (smoke)' : goal.met === undefined ? 'not measured' : goal.met ? 'met' : 'MISSED';

/** Left-aligned text, right-aligned numbers. */
function textTable({ header, rows }: Table): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => /^[-\d.,x %]*(req\/s|logins\/s)?$/.test(row[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable({ header, rows }: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
