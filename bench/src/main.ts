/**
 * `npm run bench`: runs every scenario on every registered system, each run in a fresh child
 * process, then prints the tables and writes results/latest.json, results/chart.svg and
 * BENCHMARKS.md. See bench/README.md.
 */
import os from 'node:os';
import { parseOptions, USAGE, UsageError } from './cli/options.js';
import type { BenchOptions } from './cli/options.js';
import { SUITES } from './config/sizes.js';
import { machineInfo, packageVersion } from './env/machine.js';
import { probeServices } from './env/services.js';
import { interferenceCaveat, interferenceOf } from './report/interference.js';
import { computeRatios } from './report/ratios.js';
import type { BenchResults, SystemInfo } from './report/results.js';
import { summarize } from './report/summarize.js';
import { failureLines, resultTables, TABLE_LEGEND, tableToText } from './report/tables.js';
import { DEFAULT_PATHS, readResults, writeDerived, writePartial, writeReport } from './report/write.js';
import { executePlan } from './runner/orchestrate.js';
import { planRuns } from './runner/plan.js';
import { SCENARIOS } from './scenarios/index.js';
import { SYSTEMS } from './systems/index.js';
import { extrasFor, runExtra } from './extras/extras.js';
import { extrasTable } from './extras/report.js';
import type { ExtraResult } from './report/results.js';

function printResults(results: BenchResults): void {
  console.log('');
  for (const table of resultTables(results)) console.log(`${tableToText(table)}\n`);
  if (results.extras && results.extras.length > 0) console.log(`${tableToText(extrasTable(results.extras))}\n`);
  for (const line of TABLE_LEGEND) console.log(`  ${line}`);
  for (const caveat of results.caveats) console.log(`\n⚠ ${caveat}`);
  const failures = failureLines(results);
  if (failures.length > 0) {
    console.log('\nFailures and notes:');
    for (const line of failures) console.log(`  - ${line}`);
  }
}

/** Runs Missive's own benchmarks, each in its own process, `options.runs` times. */
async function runExtras(options: BenchOptions, interrupted: () => boolean): Promise<ExtraResult[]> {
  const results: ExtraResult[] = [];
  for (const extra of extrasFor(options.mode)) {
    const runs: Record<string, number>[] = [];
    const failures: string[] = [];
    for (let round = 1; round <= options.runs && !interrupted(); round++) {
      const started = Date.now();
      try {
        runs.push(await runExtra(extra, options.mode));
        console.log(`[extra ${round}/${options.runs}] ${extra.name}: ${JSON.stringify(runs.at(-1))} [${((Date.now() - started) / 1000).toFixed(1)} s]`);
      } catch (error) {
        failures.push(String(error instanceof Error ? error.message : error).split('\n')[0] ?? 'failed');
        console.log(`[extra ${round}/${options.runs}] ${extra.name}: FAILED — ${failures.at(-1)}`);
      }
    }
    results.push({ name: extra.name, description: extra.description, target: extra.target, runs, failures });
  }
  return results;
}

async function runBench(options: BenchOptions): Promise<number> {
  const startedAt = new Date();
  const sizes = SUITES[options.mode];
  const systems = SYSTEMS.filter((system) => options.only === null || options.only.includes(system.name));
  const scenarios = SCENARIOS.filter((scenario) => options.scenarios.includes(scenario.name));
  console.log(
    `Missive bench — ${options.mode} suite, ${options.runs} run(s) each, systems: ${systems.map((s) => s.name).join(', ')}`,
  );
  if (options.runs < 3) console.log('Note: fewer than 3 runs; the medians are not robust.');

  const loadAverageAtStart = os.loadavg()[0] ?? 0;
  if (loadAverageAtStart > os.cpus().length / 2) {
    console.log(`Note: load average ${loadAverageAtStart.toFixed(1)} on ${os.cpus().length} cores — the machine is busy; figures will be disturbed.`);
  }
  const services = await probeServices();
  for (const [name, status] of Object.entries(services.status)) {
    console.log(`  ${name}: ${status.reachable ? `${status.version ?? '?'} ${status.settings ?? ''}` : `UNREACHABLE — ${status.error}`}`);
  }
  for (const system of systems) {
    const reachable = system.services.every((service) => services.status[service].reachable);
    if (reachable && system.sweep) await system.sweep(services.urls).catch((error: unknown) => {
      console.log(`  (could not sweep ${system.name} leftovers: ${String(error)})`);
    });
  }

  let interrupted = false;
  process.on('SIGINT', () => {
    interrupted = true;
    console.log('\nInterrupted: stopping after the current run; nothing will be written.');
  });

  const plan = planRuns(systems, scenarios, options.runs);
  const records = await executePlan({
    runs: plan.runs,
    systems,
    sizes,
    services,
    interrupted: () => interrupted,
    onProgress: (line) => console.log(line),
  });
  if (interrupted) return 130;
  const extras = options.extras ? await runExtras(options, () => interrupted) : [];
  if (interrupted) return 130;

  const systemInfos: SystemInfo[] = systems.map((system) => ({
    name: system.name,
    role: system.role,
    services: system.services,
    scheduling: system.scheduling,
    schedulingNote: system.schedulingNote ?? null,
    settings: system.settings,
    durability: system.durability(services.facts),
    versions: Object.fromEntries(system.packages.map((name) => [name, packageVersion(name)])),
  }));
  const names = systems.map((system) => system.name);
  const summary = summarize(records, names, options.scenarios, plan.unsupported);
  const interference = interferenceOf(records, loadAverageAtStart);
  const disturbed = interferenceCaveat(interference);
  const finishedAt = new Date();
  const results: BenchResults = {
    formatVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    mode: options.mode,
    runsPerCell: options.runs,
    only: options.only,
    scenarios: options.scenarios,
    sizes,
    scenarioDescriptions: Object.fromEntries(scenarios.map((scenario) => [scenario.name, scenario.description(sizes)])),
    machine: machineInfo(),
    services: services.status,
    caveats: disturbed === null ? services.caveats : [...services.caveats, disturbed],
    interference,
    systems: systemInfos,
    unsupported: plan.unsupported,
    records,
    summary,
    ratios: computeRatios(summary, systems),
    extras,
  };
  printResults(results);
  if (options.write === 'report') {
    writeReport(results);
    console.log(`\nWrote ${DEFAULT_PATHS.json}, ${DEFAULT_PATHS.chart} and ${DEFAULT_PATHS.markdown}`);
  } else if (options.write === 'partial') {
    writePartial(results);
    console.log(`\nWrote ${DEFAULT_PATHS.partialJson} (a narrowed run: add --write to replace the report)`);
  }
  console.log(`Took ${(results.durationMs / 60_000).toFixed(1)} min.`);
  return records.length > 0 && records.every((record) => record.status !== 'ok') ? 1 : 0;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), SYSTEMS.map((system) => system.name));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.reportOnly) {
    const results = readResults();
    printResults(results);
    writeDerived(results);
    console.log(`\nRewrote ${DEFAULT_PATHS.chart} and ${DEFAULT_PATHS.markdown} from ${DEFAULT_PATHS.json}`);
    return 0;
  }
  return runBench(options);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
