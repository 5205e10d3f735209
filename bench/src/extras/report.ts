import { spreadOf } from '../measure/stats.js';
import { formatSpread } from '../report/format.js';
import type { ExtraResult } from '../report/results.js';
import type { Table } from '../report/tables.js';

/** One table of Missive's own benchmarks: a row per benchmark, its figures as medians (min–max). */
export function extrasTable(extras: readonly ExtraResult[]): Table {
  return {
    title: "Missive's own benchmarks (batches, HTTP)",
    headers: ['Benchmark', 'Figures: median (min–max) over the runs', 'Target'],
    rows: extras.map((extra) => [extra.name, figuresText(extra), extra.target]),
  };
}

function figuresText(extra: ExtraResult): string {
  if (extra.runs.length === 0) return `FAILED: ${extra.failures[0] ?? 'no run finished'}`;
  const names = [...new Set(extra.runs.flatMap((run) => Object.keys(run)))];
  const parts = names.map((name) => {
    const spread = spreadOf(extra.runs.filter((run) => name in run).map((run) => ({ value: run[name] as number, lowerBound: false })));
    return spread === null ? `${name} —` : `${name} ${formatSpread(spread, formatNumber)}`;
  });
  const failed = extra.failures.length > 0 ? ` ⚠ ${extra.failures.length} run(s) failed` : '';
  return `${parts.join('; ')}${failed}`;
}

function formatNumber(value: number): string {
  return Math.abs(value) < 10 ? value.toFixed(2) : Math.round(value).toLocaleString('en-US');
}
