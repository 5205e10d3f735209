import { describe, expect, it } from 'vitest';
import { sampleResults } from './fixtures.js';
import { extractHandWritten, HAND_WRITTEN_END, HAND_WRITTEN_START, renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  const results = sampleResults();

  it('writes every section with a placeholder for the hand-written notes', () => {
    const text = renderMarkdown(results, null, 'bench/results/chart.svg');
    for (const heading of ['## Results', '## Ratios', '## Chart', '## Settings', '## Durability', '## Versions', '## Machine', '## Failures and notes', '## Profiling notes: before/after']) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('![Throughput and p99 lateness](bench/results/chart.svg)');
    expect(text).toContain('| amqplib | 2.19× | — | 1.00× | — |'); // ÷ missive: immediate, backlog, CPU, burst
    expect(text).toContain('| slowq | ~0.012× | 0.30× | — | ~136× |'); // capped figures are approximate
    expect(text).toContain('⚠ Redis runs WITHOUT persistence');
    expect(text).toContain('- redis: unreachable (ECONNREFUSED)');
    expect(text).toContain('To be written by hand');
  });

  it('keeps the hand-written section when regenerating', () => {
    const notes = 'Before: 3,100 msgs/s.\n\nAfter batching acks: 4,200 msgs/s.';
    const first = renderMarkdown(results, null, 'chart.svg');
    const edited = first.replace(/(hand-written:start[^\n]*\n)[\s\S]*?(\n<!-- hand-written:end)/, `$1${notes}$2`);
    const second = renderMarkdown(results, edited, 'chart.svg');
    expect(extractHandWritten(second)).toBe(notes);
    expect(second.split(HAND_WRITTEN_START)).toHaveLength(2);
  });

  it('finds nothing in a file without both markers', () => {
    expect(extractHandWritten('# Benchmarks')).toBeNull();
    expect(extractHandWritten(`${HAND_WRITTEN_START}\nnotes`)).toBeNull();
    expect(extractHandWritten(`${HAND_WRITTEN_START}\nnotes\n${HAND_WRITTEN_END}`)).toBe('notes');
  });
});
