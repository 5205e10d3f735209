import { spreadOf } from '../measure/stats.js';
import type { Bounded, Spread } from '../measure/stats.js';
import type { RunMetrics, ScenarioName } from '../scenarios/scenario.js';
import type { Unsupported } from '../runner/plan.js';
import type { RunRecord } from './results.js';

/** The figures summarized across runs. */
export type MetricName =
  | 'throughput'
  | 'enqueueRate'
  | 'clientCpuPer1k'
  | 'servicesCpuPer1k'
  | 'latenessP50'
  | 'latenessP99'
  | 'latenessMax'
  /** Cores kept busy by other processes during the timed window: the run's disturbance. */
  | 'otherCores'
  /** A figure the system reported itself (BenchSystem.internalMetrics). */
  | `internal:${string}`;

/** Overall state of one system × scenario cell. */
export type CellStatus = 'ok' | 'partial' | 'failed' | 'unsupported';

/** The medians and spreads of one system on one scenario. */
export interface SummaryCell {
  readonly system: string;
  readonly scenario: ScenarioName;
  readonly status: CellStatus;
  readonly okRuns: number;
  readonly totalRuns: number;
  /** Successful runs that stopped waiting before every message was handled. */
  readonly cappedRuns: number;
  /** Why runs failed or what qualifies the figures, deduplicated. */
  readonly notes: readonly string[];
  readonly metrics: Readonly<Partial<Record<MetricName, Spread>>>;
}

const exact = (value: number): Bounded => ({ value, lowerBound: false });

/** The figures one run contributes; absent where the scenario does not measure them. */
export function metricValues(metrics: RunMetrics, scenario: ScenarioName): Partial<Record<MetricName, Bounded>> {
  const values: Partial<Record<MetricName, Bounded>> = {};
  if (metrics.throughput !== null) values.throughput = exact(metrics.throughput);
  if (scenario === 'immediate' && !metrics.capped && metrics.enqueueMs > 0) {
    values.enqueueRate = exact((metrics.requested / metrics.enqueueMs) * 1000);
  }
  if (metrics.cpu.clientSecondsPer1k !== null) values.clientCpuPer1k = exact(metrics.cpu.clientSecondsPer1k);
  if (metrics.cpu.servicesSecondsPer1k !== null) values.servicesCpuPer1k = exact(metrics.cpu.servicesSecondsPer1k);
  if (metrics.cpu.otherCores !== null) values.otherCores = exact(metrics.cpu.otherCores);
  for (const [name, value] of Object.entries(metrics.internals ?? {})) values[`internal:${name}`] = exact(value);
  if (metrics.lateness !== null) {
    values.latenessP50 = metrics.lateness.p50;
    values.latenessP99 = metrics.lateness.p99;
    values.latenessMax = metrics.lateness.max;
  }
  return values;
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}

/** Summarizes every system × scenario cell, in the order given. */
export function summarize(
  records: readonly RunRecord[],
  systems: readonly string[],
  scenarios: readonly ScenarioName[],
  unsupported: readonly Unsupported[],
): SummaryCell[] {
  const cells: SummaryCell[] = [];
  for (const scenario of scenarios) {
    for (const system of systems) {
      const skip = unsupported.find((item) => item.system === system && item.scenario === scenario);
      if (skip !== undefined) {
        cells.push({
          system,
          scenario,
          status: 'unsupported',
          okRuns: 0,
          totalRuns: 0,
          cappedRuns: 0,
          notes: [skip.reason],
          metrics: {},
        });
        continue;
      }
      const runs = records.filter((record) => record.system === system && record.scenario === scenario);
      const ok = runs.filter((record) => record.status === 'ok' && record.metrics !== null);
      const notes = new Set<string>();
      for (const run of runs) {
        if (run.status !== 'ok') notes.add(`${run.status} in ${run.phase ?? 'run'}: ${firstLine(run.error ?? '')}`);
        for (const note of run.metrics?.notes ?? []) notes.add(note.replace(/\d[\d,]* of /, 'n of '));
      }
      const collected: Partial<Record<MetricName, Bounded[]>> = {};
      for (const run of ok) {
        for (const [name, value] of Object.entries(metricValues(run.metrics as RunMetrics, scenario))) {
          if (value !== undefined) (collected[name as MetricName] ??= []).push(value);
        }
      }
      const metrics: Partial<Record<MetricName, Spread>> = {};
      for (const [name, values] of Object.entries(collected)) {
        if (values === undefined) continue;
        const spread = spreadOf(values);
        if (spread !== null) metrics[name as MetricName] = spread;
      }
      const status: CellStatus =
        ok.length === 0 ? 'failed' : ok.length < runs.length ? 'partial' : 'ok';
      cells.push({
        system,
        scenario,
        status,
        okRuns: ok.length,
        totalRuns: runs.length,
        cappedRuns: ok.filter((run) => run.metrics?.capped === true).length,
        notes: [...notes],
        metrics,
      });
    }
  }
  return cells;
}

/** The cell of `system` on `scenario`, if summarized. */
export function cellOf(
  summary: readonly SummaryCell[],
  system: string,
  scenario: ScenarioName,
): SummaryCell | undefined {
  return summary.find((cell) => cell.system === system && cell.scenario === scenario);
}
