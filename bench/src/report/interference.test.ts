import { describe, expect, it } from 'vitest';
import { sampleResults, throughputMetrics } from './fixtures.js';
import { interferenceCaveat, interferenceOf } from './interference.js';
import type { RunRecord } from './results.js';

function withOther(cores: number, wallMs: number): RunRecord {
  const base = sampleResults().records[0] as RunRecord;
  const metrics = throughputMetrics(1000);
  return { ...base, metrics: { ...metrics, cpu: { ...metrics.cpu, otherCores: cores, wallMs } } };
}

describe('interference', () => {
  it('weights each run by the length of its window', () => {
    const result = interferenceOf([withOther(0, 3000), withOther(1, 1000)], 0.4);
    expect(result).toEqual({ loadAverageAtStart: 0.4, meanOtherCores: 0.25, maxOtherCores: 1 });
  });

  it('has nothing to say about a quiet machine or one it could not watch', () => {
    expect(interferenceCaveat(interferenceOf([withOther(0.05, 1000), withOther(0.1, 1000)], 0.1))).toBeNull();
    expect(interferenceCaveat(interferenceOf([], 0))).toBeNull();
  });

  it('warns when other work disturbed the runs', () => {
    expect(interferenceCaveat(interferenceOf([withOther(0.6, 1000)], 7.5))).toMatch(
      /0\.60 cores busy on average \(up to 0\.60 in one run\).*load average 7\.5/,
    );
  });
});
