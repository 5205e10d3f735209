import type { ScenarioName } from '../scenarios/scenario.js';
import { formatMs, formatRate } from './format.js';
import type { BenchResults } from './results.js';
import { cellOf } from './summarize.js';
import type { MetricName } from './summarize.js';

/** One series of a panel: which figure, from which scenario, in which colour. */
interface Series {
  readonly label: string;
  readonly scenario: ScenarioName;
  readonly metric: MetricName;
  readonly color: string;
}

/** One bar: a median with its range, or a reason there is none. */
interface Bar {
  readonly series: Series;
  readonly median: number | null;
  readonly min: number;
  readonly max: number;
  readonly lowerBound: boolean;
  /** Some run stopped at its cap: the figure is marked †, as in the tables. */
  readonly capped: boolean;
  /** Shown instead of a bar when there is no figure (n/a, failed, not run). */
  readonly missing: string;
}

const WIDTH = 960;
const LABEL_WIDTH = 190;
const PLOT_RIGHT = WIDTH - 150;
const BAR_HEIGHT = 14;
const GROUP_GAP = 12;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function barsFor(results: BenchResults, system: string, series: readonly Series[]): Bar[] {
  return series.map((item) => {
    const none = { series: item, median: null, min: 0, max: 0, lowerBound: false, capped: false };
    if (!results.scenarios.includes(item.scenario)) return { ...none, missing: 'not run' };
    const cell = cellOf(results.summary, system, item.scenario);
    if (cell === undefined) return { ...none, missing: 'not run' };
    if (cell.status === 'unsupported') return { ...none, missing: 'n/a' };
    const spread = cell.metrics[item.metric];
    if (cell.status === 'failed' || spread === undefined) return { ...none, missing: 'failed' };
    return {
      series: item,
      median: spread.median.value,
      min: spread.min,
      max: spread.max,
      lowerBound: spread.median.lowerBound,
      capped: cell.cappedRuns > 0,
      missing: '',
    };
  });
}

/** Maps a value to an x coordinate, linear from zero or logarithmic from 1. */
function makeScale(kind: 'linear' | 'log', top: number): (value: number) => number {
  const span = PLOT_RIGHT - LABEL_WIDTH;
  if (kind === 'linear') return (value) => LABEL_WIDTH + (Math.max(0, value) / top) * span;
  const logTop = Math.log10(Math.max(10, top));
  return (value) => LABEL_WIDTH + (Math.log10(Math.max(1, value)) / logTop) * span;
}

function ticks(kind: 'linear' | 'log', top: number): number[] {
  if (kind === 'log') {
    const result: number[] = [];
    for (let tick = 1; tick <= top; tick *= 10) result.push(tick);
    return result;
  }
  const step = 10 ** Math.floor(Math.log10(top / 4 || 1));
  const nice = [1, 2, 5, 10].map((factor) => factor * step).find((candidate) => top / candidate <= 6) ?? step * 10;
  const result: number[] = [];
  for (let tick = 0; tick <= top; tick += nice) result.push(tick);
  return result;
}

function panel(
  y0: number,
  title: string,
  results: BenchResults,
  series: readonly Series[],
  kind: 'linear' | 'log',
  format: (value: number) => string,
  formatTick: (value: number) => string,
): { svg: string[]; height: number } {
  const groups = results.systems.map((system) => ({ name: system.name, bars: barsFor(results, system.name, series) }));
  const values = groups.flatMap((group) => group.bars.filter((bar) => bar.median !== null).map((bar) => bar.max));
  const top = Math.max(kind === 'log' ? 10 : 1, ...values) * (kind === 'log' ? 1.5 : 1.1);
  const x = makeScale(kind, top);
  const svg: string[] = [];
  svg.push(`<text x="16" y="${y0 + 18}" font-size="15" font-weight="600" ${FONT}>${escapeXml(title)}</text>`);
  series.forEach((item, index) => {
    const lx = LABEL_WIDTH + index * 170;
    svg.push(`<rect x="${lx}" y="${y0 + 28}" width="12" height="12" fill="${item.color}"/>`);
    svg.push(`<text x="${lx + 18}" y="${y0 + 38}" font-size="12" ${FONT}>${escapeXml(item.label)}</text>`);
  });
  const plotTop = y0 + 52;
  const groupHeight = series.length * (BAR_HEIGHT + 2) + GROUP_GAP;
  const plotBottom = plotTop + groups.length * groupHeight;
  for (const tick of ticks(kind, top)) {
    const tx = x(tick).toFixed(1);
    svg.push(`<line x1="${tx}" y1="${plotTop - 4}" x2="${tx}" y2="${plotBottom}" stroke="#ddd"/>`);
    svg.push(
      `<text x="${tx}" y="${plotBottom + 14}" font-size="11" text-anchor="middle" fill="#555" ${FONT}>${escapeXml(formatTick(tick))}</text>`,
    );
  }
  groups.forEach((group, groupIndex) => {
    const gy = plotTop + groupIndex * groupHeight;
    svg.push(
      `<text x="${LABEL_WIDTH - 10}" y="${gy + (series.length * (BAR_HEIGHT + 2)) / 2 + 4}" font-size="13" text-anchor="end" ${FONT}>${escapeXml(group.name)}</text>`,
    );
    group.bars.forEach((bar, barIndex) => {
      const by = gy + barIndex * (BAR_HEIGHT + 2);
      if (bar.median === null) {
        svg.push(
          `<text x="${LABEL_WIDTH + 4}" y="${by + BAR_HEIGHT - 3}" font-size="11" fill="#888" ${FONT}>${escapeXml(bar.missing)}</text>`,
        );
        return;
      }
      const end = x(bar.median);
      svg.push(
        `<rect x="${LABEL_WIDTH}" y="${by}" width="${Math.max(1, end - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.series.color}"/>`,
      );
      const mid = by + BAR_HEIGHT / 2;
      svg.push(
        `<line x1="${x(bar.min).toFixed(1)}" y1="${mid}" x2="${x(bar.max).toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`,
      );
      const label = `${bar.lowerBound ? '≥' : ''}${format(bar.median)}${bar.capped ? ' †' : ''}`;
      svg.push(
        `<text x="${(Math.max(end, x(bar.max)) + 6).toFixed(1)}" y="${by + BAR_HEIGHT - 3}" font-size="11" ${FONT}>${escapeXml(label)}</text>`,
      );
    });
  });
  return { svg, height: plotBottom + 24 - y0 };
}

/** The chart of throughput and p99 lateness, as a standalone SVG document. */
export function renderChart(results: BenchResults): string {
  const header = `${results.mode} suite, ${results.runsPerCell} runs each, ${results.startedAt.slice(0, 10)} — bars: median, whiskers: min–max, † capped, ≥ lower bound`;
  const throughput = panel(
    40,
    'Throughput (msgs/s, higher is better)',
    results,
    [
      { label: 'immediate end-to-end', scenario: 'immediate', metric: 'throughput', color: '#4c78a8' },
      { label: 'backlog drain', scenario: 'backlog', metric: 'throughput', color: '#72b7b2' },
    ],
    'linear',
    formatRate,
    formatRate,
  );
  const lateness = panel(
    40 + throughput.height + 16,
    'p99 lateness (log scale, lower is better)',
    results,
    [
      { label: 'burst (all due at once)', scenario: 'scheduled-burst', metric: 'latenessP99', color: '#f58518' },
      { label: 'steady (rate over time)', scenario: 'scheduled-steady', metric: 'latenessP99', color: '#e45756' },
    ],
    'log',
    formatMs,
    (ms) => (ms < 1000 ? `${ms} ms` : `${ms / 1000} s`),
  );
  const height = 40 + throughput.height + 16 + lateness.height + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="16" y="24" font-size="12" fill="#555" ${FONT}>${escapeXml(header)}</text>`,
    ...throughput.svg,
    ...lateness.svg,
    '</svg>',
    '',
  ].join('\n');
}
