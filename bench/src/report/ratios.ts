import type { ScenarioName } from '../scenarios/scenario.js';
import type { SystemRole } from '../systems/system.js';
import { cellOf } from './summarize.js';
import type { MetricName, SummaryCell } from './summarize.js';

/** A figure compared between two systems of the same run. */
export interface RatioMetric {
  readonly id: string;
  readonly label: string;
  readonly scenario: ScenarioName;
  /** Summed metrics (CPU: client + services). */
  readonly metrics: readonly MetricName[];
  readonly higherIsBetter: boolean;
}

/** The figures compared. */
export const RATIO_METRICS: readonly RatioMetric[] = [
  { id: 'immediate', label: 'immediate msgs/s', scenario: 'immediate', metrics: ['throughput'], higherIsBetter: true },
  { id: 'backlog', label: 'backlog drain msgs/s', scenario: 'backlog', metrics: ['throughput'], higherIsBetter: true },
  {
    id: 'cpu',
    label: 'CPU s per 1,000 msgs (client + services)',
    scenario: 'immediate',
    metrics: ['clientCpuPer1k', 'servicesCpuPer1k'],
    higherIsBetter: false,
  },
  { id: 'burst-p99', label: 'burst p99 lateness', scenario: 'scheduled-burst', metrics: ['latenessP99'], higherIsBetter: false },
  {
    id: 'steady-p99',
    label: 'steady p99 lateness',
    scenario: 'scheduled-steady',
    metrics: ['latenessP99'],
    higherIsBetter: false,
  },
];

/** `system`'s figure divided by `baseline`'s, both medians from this run. */
export interface Ratio {
  readonly metric: string;
  readonly label: string;
  readonly system: string;
  readonly baseline: string;
  readonly value: number;
  /** True when either median was a lower bound, so the ratio is approximate. */
  readonly approximate: boolean;
  readonly higherIsBetter: boolean;
}

/** The median of a (possibly summed) figure, or null when any part is missing. */
function figure(summary: readonly SummaryCell[], system: string, metric: RatioMetric): { value: number; bound: boolean } | null {
  const cell = cellOf(summary, system, metric.scenario);
  if (cell === undefined || cell.status === 'failed' || cell.status === 'unsupported') return null;
  let value = 0;
  let bound = false;
  for (const name of metric.metrics) {
    const spread = cell.metrics[name];
    if (spread === undefined) return null;
    value += spread.median.value;
    bound ||= spread.median.lowerBound;
  }
  return { value, bound: bound || cell.cappedRuns > 0 };
}

/**
 * Ratios within one run: every other system against each subject (Missive), and each subject
 * against the ceiling (raw amqplib). With no subject in the run, every peer against the ceiling.
 */
export function computeRatios(
  summary: readonly SummaryCell[],
  systems: readonly { name: string; role: SystemRole }[],
): Ratio[] {
  const subjects = systems.filter((system) => system.role === 'subject');
  const ceilings = systems.filter((system) => system.role === 'ceiling');
  const pairs: [string, string][] = [];
  for (const subject of subjects) {
    for (const other of systems) if (other.name !== subject.name) pairs.push([other.name, subject.name]);
  }
  for (const ceiling of ceilings) {
    const compared = subjects.length > 0 ? subjects : systems.filter((system) => system.role === 'peer');
    for (const system of compared) pairs.push([system.name, ceiling.name]);
  }
  const ratios: Ratio[] = [];
  for (const [system, baseline] of pairs) {
    for (const metric of RATIO_METRICS) {
      const top = figure(summary, system, metric);
      const bottom = figure(summary, baseline, metric);
      if (top === null || bottom === null || bottom.value <= 0 || top.value < 0) continue;
      ratios.push({
        metric: metric.id,
        label: metric.label,
        system,
        baseline,
        value: top.value / bottom.value,
        approximate: top.bound || bottom.bound,
        higherIsBetter: metric.higherIsBetter,
      });
    }
  }
  return ratios;
}
