/**
 * `npm run bench`: starts the servers under test and their baselines, drives each from a separate
 * process in alternating rounds, and prints medians, ratios to the baselines, memory and goals.
 * See bench/README.md and docs/benchmarks.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { prepareScripts } from './lib/build.ts';
import { Cleanups } from './lib/cleanups.ts';
import { keepAliveAgent } from './lib/http.ts';
import { checkInfrastructure } from './lib/infra.ts';
import { log } from './lib/log.ts';
import { describeOptions, readOptions, type BenchOptions } from './lib/options.ts';
import { RESULTS, ROOT } from './lib/paths.ts';
import { killAllStarted } from './lib/processes.ts';
import { printRunProfiles } from './lib/profile.ts';
import { evaluateGoals, memoryRows, printReport, writeJson } from './lib/report.ts';
import { measureScenario, summarize, type Measurement, type Summary } from './lib/rounds.ts';
import { startTargets } from './lib/targets.ts';
import { quietWaiter } from './lib/usage.ts';
import { chosenScenarios, targetIdsOf } from './scenarios/index.ts';

async function main(options: BenchOptions): Promise<number> {
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const profileDir = join(RESULTS, 'profiles', runId);
  const work = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
  const cleanups = new Cleanups();
  cleanups.add(() => rmSync(work, { recursive: true, force: true }));
  process.once('SIGINT', () => {
    log('interrupted: stopping servers and removing the throwaway database and keys');
    void cleanups.run().finally(() => process.exit(130));
  });
  try {
    if (options.modes.includes('postgres')) await checkInfrastructure(options.databaseUrl, options.redisUrl);
    log(`portcullis bench: ${describeOptions(options)}`);
    const scripts = await prepareScripts(options.from, runId, cleanups);
    log(`server: ${relative(ROOT, scripts.server)}`);
    const agent = keepAliveAgent(8);
    cleanups.add(() => agent.destroy());
    const scenarios = chosenScenarios(options);
    const targets = await startTargets(new Set(scenarios.flatMap(targetIdsOf)), { options, scripts, work, profileDir, cleanups, agent });

    const measurements: Measurement[] = [];
    const waitForQuiet = quietWaiter(options.quietBudgetSeconds);
    for (const scenario of scenarios) {
      const participants = targetIdsOf(scenario)
        .map((id) => targets.get(id))
        .filter((target) => target !== undefined);
      measurements.push(...(await measureScenario(scenario, participants, options, waitForQuiet)));
    }

    const summaries = summarize(measurements);
    const memory = memoryRows(targets.values(), measurements);
    const report = { summaries, memory, goals: evaluateGoals(summaries, targets.get('postgres')?.idle.rssMB, options.smoke) };
    printReport(report, options);
    writeJson(report, measurements, runId, options);
    // Stops the servers, so that their CPU profiles are written before they are summarized.
    await cleanups.run();
    if (options.profile) printRunProfiles(profileDir, targets.values());
    return options.smoke ? smokeVerdict(summaries) : 0;
  } finally {
    await cleanups.run();
  }
}

/** Smoke runs (CI) fail when a scenario could not be driven at all, or answered errors. */
function smokeVerdict(summaries: readonly Summary[]): number {
  const broken = summaries.filter((summary) => !(summary.perSecond > 0) || summary.errors > 0);
  if (broken.length === 0) return 0;
  log(`smoke run failed: ${broken.map((summary) => `${summary.scenario}/${summary.target}`).join(', ')}`);
  return 1;
}

const options = readOptions(process.argv.slice(2));
process.on('exit', killAllStarted);
try {
  process.exitCode = await main(options);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
