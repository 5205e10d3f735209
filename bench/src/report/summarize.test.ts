import { describe, expect, it } from 'vitest';
import { sampleResults } from './fixtures.js';
import { cellOf } from './summarize.js';

describe('summarize', () => {
  const { summary } = sampleResults();

  it('takes the median and range over the runs', () => {
    const cell = cellOf(summary, 'missive', 'immediate');
    expect(cell?.status).toBe('ok');
    expect(cell?.metrics.throughput).toEqual({ median: { value: 4200, lowerBound: false }, min: 4100, max: 4300, n: 3 });
    expect(cell?.metrics.enqueueRate?.median.value).toBe(10_000);
    expect(cell?.metrics.clientCpuPer1k?.median.value).toBe(0.05);
  });

  it('marks capped runs and leaves out CPU per message for them', () => {
    const cell = cellOf(summary, 'slowq', 'immediate');
    expect(cell?.cappedRuns).toBe(3);
    expect(cell?.metrics.clientCpuPer1k).toBeUndefined();
    expect(cell?.metrics.enqueueRate).toBeUndefined();
    expect(cell?.notes).toEqual(['capped: n of 10000 handled within 6 s']);
  });

  it('summarizes the surviving runs of a partly failed cell and says why the others failed', () => {
    const cell = cellOf(summary, 'slowq', 'scheduled-burst');
    expect(cell?.status).toBe('partial');
    expect(cell?.okRuns).toBe(2);
    expect(cell?.metrics.latenessP99?.median).toEqual({ value: 3000, lowerBound: true });
    expect(cell?.notes.some((note) => note.startsWith('timeout in run: the run did not finish'))).toBe(true);
  });

  it('marks fully failed and unsupported cells', () => {
    expect(cellOf(summary, 'amqplib', 'backlog')?.status).toBe('failed');
    expect(cellOf(summary, 'amqplib', 'scheduled-burst')?.status).toBe('unsupported');
  });
});
