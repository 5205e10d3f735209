import { describe, expect, it } from 'vitest';
import { latenessMetrics, throughputMetrics } from '../report/fixtures.js';
import { newRunId, progressLine, recordOf } from './orchestrate.js';
import type { ChildResult } from './spawn-child.js';

const run = { round: 2, scenario: 'immediate' as const, system: 'bullmq' };
const ended = (overrides: Partial<ChildResult>): ChildResult => ({
  outcome: null,
  timedOut: false,
  exitCode: 0,
  signal: null,
  wallMs: 1500,
  outputTail: 'tail',
  ...overrides,
});

describe('recordOf', () => {
  it('keeps the metrics of a successful run', () => {
    const metrics = throughputMetrics(4000);
    const record = recordOf(run, 'id1', ended({ outcome: { ok: true, metrics, warnings: [] } }));
    expect(record).toMatchObject({ status: 'ok', metrics, error: null, outputTail: null, round: 2 });
  });

  it('reports a failure with its phase and the output tail', () => {
    const record = recordOf(run, 'id1', ended({ outcome: { ok: false, phase: 'setup', error: 'ECONNREFUSED', warnings: [] } }));
    expect(record).toMatchObject({ status: 'failed', phase: 'setup', error: 'ECONNREFUSED', outputTail: 'tail' });
  });

  it('reports a killed or crashed child', () => {
    expect(recordOf(run, 'id1', ended({ timedOut: true })).status).toBe('timeout');
    expect(recordOf(run, 'id1', ended({ exitCode: null, signal: 'SIGSEGV' })).error).toMatch(/signal SIGSEGV/);
  });
});

describe('progressLine', () => {
  it('shows the headline figure of each kind of run', () => {
    const ok = recordOf(run, 'x', ended({ outcome: { ok: true, metrics: throughputMetrics(4321.2), warnings: [] } }));
    expect(progressLine(ok)).toBe('round 2 · immediate · bullmq: 4,321 msgs/s [1.5 s]');
    const late = recordOf(run, 'x', ended({ outcome: { ok: true, metrics: latenessMetrics(3000, true), warnings: [] } }));
    expect(progressLine(late)).toBe('round 2 · immediate · bullmq: p50 1.50 s, p99 ≥3.00 s (capped) [1.5 s]');
    expect(progressLine(recordOf(run, 'x', ended({ timedOut: true })))).toMatch(/TIMEOUT — the run did not finish/);
  });
});

describe('newRunId', () => {
  it('is unique and safe in queue, key and schema names', () => {
    const ids = new Set(Array.from({ length: 100 }, newRunId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+$/);
  });
});
