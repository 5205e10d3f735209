import type { Spread } from '../measure/stats.js';
import type { ScenarioName } from '../scenarios/scenario.js';
import { formatCpu, formatMs, formatRate, formatSpread } from './format.js';
import type { BenchResults, SystemInfo } from './results.js';
import { cellOf } from './summarize.js';
import type { MetricName, SummaryCell } from './summarize.js';

/** A table, independent of how it is printed. */
export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Footnotes that explain the marks used in the cells. */
export const TABLE_LEGEND = [
  'Each cell: median of the runs (min–max across runs).',
  '≥ — a lower bound: some messages were still unhandled when the bench stopped waiting.',
  '† — capped: in at least one run the bench stopped waiting before every message was handled; the rate is measured over the capped window.',
  '⚠ k/n failed — k of n runs failed; the figure is from the others (see Failures).',
  'n/a — the system cannot do this (see Settings); — not run.',
] as const;

function cellText(cell: SummaryCell | undefined, metric: MetricName, format: (value: number) => string): string {
  if (cell === undefined) return '—';
  if (cell.status === 'unsupported') return 'n/a';
  if (cell.status === 'failed') return `FAILED (${cell.totalRuns - cell.okRuns}/${cell.totalRuns})`;
  const spread: Spread | undefined = cell.metrics[metric];
  if (spread === undefined) return cell.cappedRuns > 0 ? '— †' : '—';
  let text = formatSpread(spread, format);
  if (cell.cappedRuns > 0) text += ' †';
  if (cell.status === 'partial') text += ` ⚠ ${cell.totalRuns - cell.okRuns}/${cell.totalRuns} failed`;
  return text;
}

function systemLabel(system: SystemInfo): string {
  return system.role === 'peer' ? system.name : `${system.name} (${system.role === 'subject' ? 'Missive' : 'ceiling'})`;
}

function column(
  results: BenchResults,
  system: SystemInfo,
  scenario: ScenarioName,
  metric: MetricName,
  format: (value: number) => string,
): string {
  if (!results.scenarios.includes(scenario)) return '—';
  return cellText(cellOf(results.summary, system.name, scenario), metric, format);
}

/** The throughput-and-CPU table and the lateness table. */
export function resultTables(results: BenchResults): Table[] {
  const throughput: Table = {
    title: 'Throughput and CPU',
    headers: [
      'System',
      'Immediate msgs/s',
      'Backlog drain msgs/s',
      'Client CPU s / 1k msgs',
      'Services CPU s / 1k msgs',
    ],
    rows: results.systems.map((system) => [
      systemLabel(system),
      column(results, system, 'immediate', 'throughput', formatRate),
      column(results, system, 'backlog', 'throughput', formatRate),
      column(results, system, 'immediate', 'clientCpuPer1k', formatCpu),
      column(results, system, 'immediate', 'servicesCpuPer1k', formatCpu),
    ]),
  };
  const lateness: Table = {
    title: 'Scheduled lateness (handling time − due time)',
    headers: ['System', 'Burst p50', 'Burst p99', 'Burst max', 'Steady p50', 'Steady p99', 'Steady max'],
    rows: results.systems.map((system) => [
      systemLabel(system),
      column(results, system, 'scheduled-burst', 'latenessP50', formatMs),
      column(results, system, 'scheduled-burst', 'latenessP99', formatMs),
      column(results, system, 'scheduled-burst', 'latenessMax', formatMs),
      column(results, system, 'scheduled-steady', 'latenessP50', formatMs),
      column(results, system, 'scheduled-steady', 'latenessP99', formatMs),
      column(results, system, 'scheduled-steady', 'latenessMax', formatMs),
    ]),
  };
  return [throughput, lateness, ...internalsTables(results)];
}

/** Figures the subject systems reported themselves, one table per scenario that has any. */
function internalsTables(results: BenchResults): Table[] {
  const tables: Table[] = [];
  for (const scenario of results.scenarios) {
    const cells = results.summary.filter((cell) => cell.scenario === scenario && Object.keys(cell.metrics).some((m) => m.startsWith('internal:')));
    if (cells.length === 0) continue;
    const names = [...new Set(cells.flatMap((cell) => Object.keys(cell.metrics).filter((m) => m.startsWith('internal:'))))];
    tables.push({
      title: `${scenario}: the subject's own measurements`,
      headers: ['System', ...names.map((name) => name.slice('internal:'.length))],
      rows: cells.map((cell) => [
        cell.system,
        ...names.map((name) => cellText(cell, name as MetricName, (value) => (name.endsWith('ms') ? formatMs(value) : formatRate(value)))),
      ]),
    });
  }
  return tables;
}

/** Plain text with aligned columns, for the terminal. */
export function tableToText(table: Table): string {
  const widths = table.headers.map((header, index) =>
    Math.max(header.length, ...table.rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  return [table.title, line(table.headers), widths.map((width) => '-'.repeat(width)).join('  '), ...table.rows.map(line)].join(
    '\n',
  );
}

/** A GitHub-flavoured Markdown table (without its title). */
export function tableToMarkdown(table: Table): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]): string => `| ${cells.map(escape).join(' | ')} |`;
  return [line(table.headers), line(table.headers.map((_, index) => (index === 0 ? '---' : '---:'))), ...table.rows.map(line)].join(
    '\n',
  );
}

/** One line per cell that had failures or qualifications. */
export function failureLines(results: BenchResults): string[] {
  return results.summary
    .filter((cell) => cell.status !== 'unsupported' && cell.notes.length > 0)
    .map((cell) => `${cell.system} / ${cell.scenario}: ${cell.notes.join('; ')}`);
}
