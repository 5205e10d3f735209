import { invalid } from '../core/errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `--in` durations: `30s`, `5m`, `2h`, `1d` (also `ms`), into milliseconds. */
export function parseDuration(text: string, flag = '--in'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match) throw invalid(flag, 'format', `must be a duration such as 30s, 5m, 2h or 1d, got "${text}"`);
  const value = Number(match[1]) * (UNITS[match[2] as string] as number);
  if (!Number.isFinite(value) || value > 366 * UNITS.d!) throw invalid(flag, 'range', 'must be at most 366 days');
  return Math.round(value);
}
