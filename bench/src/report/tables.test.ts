import { describe, expect, it } from 'vitest';
import { sampleResults } from './fixtures.js';
import { failureLines, resultTables, tableToMarkdown, tableToText } from './tables.js';

describe('result tables', () => {
  const [throughput, lateness] = resultTables(sampleResults());

  it('puts medians, ranges and roles in the throughput table', () => {
    expect(throughput?.rows[0]).toEqual(['missive (Missive)', '4,200 (4,100–4,300)', '6,000 (6,000–6,000)', '0.0500 (0.0500–0.0500)', '0.0300 (0.0300–0.0300)']);
    expect(throughput?.rows[1]?.[0]).toBe('amqplib (ceiling)');
  });

  it('makes failures, caps and unsupported cells visible', () => {
    expect(throughput?.rows[1]?.[2]).toBe('FAILED (3/3)');
    expect(throughput?.rows[2]?.[1]).toBe('50 (50–50) †');
    expect(throughput?.rows[2]?.[3]).toBe('— †');
    expect(lateness?.rows[1]?.[1]).toBe('n/a');
    expect(lateness?.rows[2]?.[2]).toBe('≥3.00 s (3.00–3.00) † ⚠ 1/3 failed');
    expect(lateness?.rows[0]?.[4]).toBe('—'); // steady not run
  });

  it('prints aligned text and Markdown', () => {
    const text = tableToText(throughput!).split('\n');
    expect(text[0]).toBe('Throughput and CPU');
    expect(text[1]?.indexOf('Immediate')).toBe(text[3]?.indexOf('4,200'));
    const markdown = tableToMarkdown(throughput!).split('\n');
    expect(markdown[1]).toBe('| --- | ---: | ---: | ---: | ---: |');
    expect(markdown).toHaveLength(2 + 3);
  });

  it('lists failures and notes per cell', () => {
    const lines = failureLines(sampleResults());
    expect(lines).toContain('amqplib / backlog: timeout in run: the run did not finish in time and was killed');
    expect(lines.some((line) => line.startsWith('slowq / immediate: capped'))).toBe(true);
  });
});
