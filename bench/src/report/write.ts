import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMarkdown } from './markdown.js';
import type { BenchResults } from './results.js';
import { renderChart } from './svg-chart.js';

/** Where the report files go. */
export interface ReportPaths {
  readonly json: string;
  /** Results of a run narrowed by --only or --scenario. */
  readonly partialJson: string;
  readonly chart: string;
  readonly markdown: string;
  /** The chart as linked from the Markdown file. */
  readonly chartLink: string;
}

/** bench/results/latest.json, bench/results/chart.svg and BENCHMARKS.md at the repository root. */
export const DEFAULT_PATHS: ReportPaths = {
  json: fileURLToPath(new URL('../../results/latest.json', import.meta.url)),
  partialJson: fileURLToPath(new URL('../../results/partial.json', import.meta.url)),
  chart: fileURLToPath(new URL('../../results/chart.svg', import.meta.url)),
  markdown: fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url)),
  chartLink: 'bench/results/chart.svg',
};

function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Writes the JSON, then the chart and the Markdown derived from it. */
export function writeReport(results: BenchResults, paths: ReportPaths = DEFAULT_PATHS): void {
  writeText(paths.json, `${JSON.stringify(results, null, 2)}\n`);
  writeDerived(results, paths);
}

/** Writes the results of a narrowed run, leaving the published report alone. */
export function writePartial(results: BenchResults, paths: ReportPaths = DEFAULT_PATHS): void {
  writeText(paths.partialJson, `${JSON.stringify(results, null, 2)}\n`);
}

/** Rewrites the chart and BENCHMARKS.md from results, keeping the hand-written section. */
export function writeDerived(results: BenchResults, paths: ReportPaths = DEFAULT_PATHS): void {
  writeText(paths.chart, renderChart(results));
  const existing = existsSync(paths.markdown) ? readFileSync(paths.markdown, 'utf8') : null;
  writeText(paths.markdown, renderMarkdown(results, existing, paths.chartLink));
}

/** Reads a results file written by `writeReport`. */
export function readResults(path: string = DEFAULT_PATHS.json): BenchResults {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
  if (parsed.formatVersion !== 1) throw new Error(`${path}: unknown results format ${String(parsed.formatVersion)}`);
  return parsed;
}
