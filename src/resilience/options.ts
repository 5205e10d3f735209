import { invalid } from '../core/errors.js';

/** The accepted range of one numeric option. */
export interface OptionRange {
  /** Smallest accepted value. */
  min: number;
  /** Largest accepted value; default unbounded. */
  max?: number;
  /** When true the minimum itself is refused (a strict lower bound). */
  exclusiveMin?: boolean;
  /** When true only whole numbers are accepted. */
  integer?: boolean;
}

/**
 * Throws a ValidationError naming `key` unless `value` lies in `range`. Configuration is validated
 * at start-up with its full path; this guards programmatic callers from values (0, NaN, negative
 * durations) that would make a policy silently spin or never recover.
 */
export function checkOption(key: string, value: number, range: OptionRange): void {
  const { min, max = Number.POSITIVE_INFINITY, exclusiveMin = false, integer = false } = range;
  const aboveMin = exclusiveMin ? value > min : value >= min;
  if (Number.isNaN(value) || !aboveMin || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'a whole number' : 'a number';
    const lower = exclusiveMin ? `greater than ${min}` : `at least ${min}`;
    const upper = max === Number.POSITIVE_INFINITY ? '' : ` and at most ${max}`;
    throw invalid(key, 'range', `must be ${kind} ${lower}${upper} (got ${value})`);
  }
}
