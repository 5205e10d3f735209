import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads the documented units', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
  });
  it('names the flag when the text is not a duration', () => {
    expect(() => parseDuration('soon')).toThrow(/--in/);
    expect(() => parseDuration('5')).toThrow(/30s, 5m/);
    expect(() => parseDuration('-5m')).toThrow();
    expect(() => parseDuration('400d')).toThrow(/366/);
  });
});
