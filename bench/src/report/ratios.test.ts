import { describe, expect, it } from 'vitest';
import { sampleResults } from './fixtures.js';
import { computeRatios } from './ratios.js';

describe('computeRatios', () => {
  const { ratios, summary, systems } = sampleResults();
  const find = (system: string, baseline: string, metric: string) =>
    ratios.find((ratio) => ratio.system === system && ratio.baseline === baseline && ratio.metric === metric);

  it('compares every other system with the subject', () => {
    expect(find('amqplib', 'missive', 'immediate')?.value).toBeCloseTo(9200 / 4200);
    expect(find('slowq', 'missive', 'burst-p99')).toMatchObject({ value: 3000 / 22, approximate: true });
  });

  it('compares the subject with the ceiling', () => {
    expect(find('missive', 'amqplib', 'immediate')?.value).toBeCloseTo(4200 / 9200);
    expect(find('missive', 'amqplib', 'cpu')?.value).toBeCloseTo(1);
  });

  it('skips figures missing on either side', () => {
    expect(find('missive', 'amqplib', 'backlog')).toBeUndefined();
    expect(find('amqplib', 'missive', 'burst-p99')).toBeUndefined();
    expect(find('slowq', 'missive', 'cpu')).toBeUndefined();
  });

  it('falls back to peers against the ceiling when no subject ran', () => {
    const withoutSubject = computeRatios(
      summary,
      systems.filter((system) => system.role !== 'subject'),
    );
    expect(withoutSubject.every((ratio) => ratio.system === 'slowq' && ratio.baseline === 'amqplib')).toBe(true);
    expect(withoutSubject.find((ratio) => ratio.metric === 'immediate')?.value).toBeCloseTo(50 / 9200);
  });
});
