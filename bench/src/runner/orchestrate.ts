import { randomBytes } from 'node:crypto';
import { CHILD_OVERHEAD_MS } from '../config/sizes.js';
import type { SuiteSizes } from '../config/sizes.js';
import type { ServiceReport } from '../env/services.js';
import type { Bounded } from '../measure/stats.js';
import { formatMs, formatRate } from '../report/format.js';
import type { RunRecord } from '../report/results.js';
import { scenarioByName } from '../scenarios/index.js';
import type { SystemDefinition } from '../systems/system.js';
import type { PlannedRun } from './plan.js';
import { runChild } from './spawn-child.js';
import type { ChildResult } from './spawn-child.js';

/** Other processes' CPU above which a run's progress line warns that the machine was busy. */
const BUSY_MACHINE_CORES = 0.25;
/** Longest a clean-up child (after a killed run) may take. */
const CLEANUP_TIMEOUT_MS = 60_000;

/** A fresh id for one run: time-ordered, lower-case, safe in every queue, key and schema name. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Turns what a child left into a run record. */
export function recordOf(run: PlannedRun, runId: string, result: ChildResult): RunRecord {
  const base = { round: run.round, scenario: run.scenario, system: run.system, runId, wallMs: result.wallMs };
  const outcome = result.outcome;
  if (outcome?.ok === true && !result.timedOut) {
    return { ...base, status: 'ok', metrics: outcome.metrics, phase: null, error: null, warnings: outcome.warnings, outputTail: null };
  }
  const status = result.timedOut ? 'timeout' : 'failed';
  const error =
    outcome?.ok === false
      ? outcome.error
      : result.timedOut
        ? 'the run did not finish in time and was killed'
        : `the child process ended without an outcome (exit code ${result.exitCode}, signal ${result.signal})`;
  return {
    ...base,
    status,
    metrics: null,
    phase: outcome?.ok === false ? outcome.phase : 'run',
    error,
    warnings: outcome?.warnings ?? [],
    outputTail: result.outputTail || null,
  };
}

function bounded(value: Bounded): string {
  return `${value.lowerBound ? '≥' : ''}${formatMs(value.value)}`;
}

/** One progress line for a finished run. */
export function progressLine(record: RunRecord): string {
  const where = `round ${record.round} · ${record.scenario} · ${record.system}`;
  if (record.status !== 'ok' || record.metrics === null) {
    return `${where}: ${record.status.toUpperCase()} — ${(record.error ?? '').split('\n')[0]}`;
  }
  const metrics = record.metrics;
  const figure =
    metrics.lateness !== null
      ? `p50 ${bounded(metrics.lateness.p50)}, p99 ${bounded(metrics.lateness.p99)}`
      : `${formatRate(metrics.throughput ?? 0)} msgs/s`;
  const capped = metrics.capped ? ' (capped)' : '';
  const others = metrics.cpu.otherCores ?? 0;
  const busy = others > BUSY_MACHINE_CORES ? ` — busy machine: ${others.toFixed(2)} cores used elsewhere` : '';
  return `${where}: ${figure}${capped} [${(record.wallMs / 1000).toFixed(1)} s]${busy}`;
}

/** Runs every planned run in order, each in its own child, and reports progress as it goes. */
export async function executePlan(options: {
  readonly runs: readonly PlannedRun[];
  readonly systems: readonly SystemDefinition[];
  readonly sizes: SuiteSizes;
  readonly services: ServiceReport;
  /** Checked before each run; true stops the plan. */
  readonly interrupted: () => boolean;
  readonly onProgress: (line: string) => void;
}): Promise<RunRecord[]> {
  const { runs, systems, sizes, services } = options;
  const records: RunRecord[] = [];
  for (const [index, run] of runs.entries()) {
    if (options.interrupted()) break;
    const definition = systems.find((system) => system.name === run.system) as SystemDefinition;
    const runId = newRunId();
    const down = definition.services.filter((service) => !services.status[service].reachable);
    let record: RunRecord;
    if (down.length > 0) {
      record = {
        round: run.round,
        scenario: run.scenario,
        system: run.system,
        runId,
        status: 'failed',
        wallMs: 0,
        metrics: null,
        phase: 'preflight',
        error: `service unavailable: ${down.map((service) => `${service} (${services.status[service].error ?? ''})`).join(', ')}`,
        warnings: [],
        outputTail: null,
      };
    } else {
      const spec = { system: run.system, scenario: run.scenario, runId, sizes, urls: services.urls };
      const timeoutMs = scenarioByName(run.scenario).budgetMs(sizes) + CHILD_OVERHEAD_MS;
      const result = await runChild(spec, timeoutMs);
      record = recordOf(run, runId, result);
      if (result.outcome === null || result.timedOut) {
        // The child may have died before its teardown: clean up after it from a fresh one.
        await runChild({ ...spec, scenario: null }, CLEANUP_TIMEOUT_MS);
      }
    }
    records.push(record);
    options.onProgress(`[${String(index + 1).padStart(String(runs.length).length)}/${runs.length}] ${progressLine(record)}`);
  }
  return records;
}
