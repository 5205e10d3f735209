import { describe, expect, it } from 'vitest';
import { formatCpu, formatMs, formatRatio, formatRate, formatSpread } from './format.js';

describe('formatting', () => {
  it('formats rates, durations, CPU and ratios', () => {
    expect(formatRate(12345.6)).toBe('12,346');
    expect(formatMs(85.4)).toBe('85 ms');
    expect(formatMs(-3)).toBe('-3 ms');
    expect(formatMs(1234)).toBe('1.23 s');
    expect(formatMs(12_700)).toBe('12.7 s');
    expect(formatCpu(0.05763)).toBe('0.0576');
    expect(formatCpu(5.3)).toBe('5.30');
    expect(formatRatio(0.4567)).toBe('0.46×');
    expect(formatRatio(2.345)).toBe('2.35×');
    expect(formatRatio(123.4)).toBe('123×');
  });

  it('shows median, range and lower bounds', () => {
    const spread = { median: { value: 2000, lowerBound: true }, min: 1500, max: 3000, n: 3 };
    expect(formatSpread(spread, formatMs)).toBe('≥2.00 s (1.50–3.00)');
    expect(formatSpread({ ...spread, min: 800 }, formatMs)).toBe('≥2.00 s (800 ms–3.00 s)');
    expect(formatSpread({ median: { value: 4200, lowerBound: false }, min: 4100, max: 4300, n: 3 }, formatRate)).toBe('4,200 (4,100–4,300)');
    expect(formatSpread({ ...spread, n: 1 }, formatMs)).toBe('≥2.00 s');
  });
});
