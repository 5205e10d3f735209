import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { BrokenCircuitError } from './errors.js';
import { DEFAULT_BREAKER_OPTIONS, resolveBreakerOptions } from './options.js';

describe('resolveBreakerOptions', () => {
  it('fills in the documented defaults and keeps given values', () => {
    expect(resolveBreakerOptions()).toEqual({
      windowSize: 20,
      minimumCalls: 10,
      failureThreshold: 0.5,
      breakMs: 30_000,
      maxBreakMs: 300_000,
      breakMultiplier: 2,
      probeTimeoutMs: 60_000,
    });
    expect(resolveBreakerOptions({ windowSize: 5, breakMs: undefined })).toEqual({ ...DEFAULT_BREAKER_OPTIONS, windowSize: 5 });
  });

  it('rejects out-of-range values with a ValidationError naming the option', () => {
    const cases: [Parameters<typeof resolveBreakerOptions>[0], string][] = [
      [{ windowSize: 0 }, 'windowSize'],
      [{ windowSize: 2.5 }, 'windowSize'],
      [{ minimumCalls: 0 }, 'minimumCalls'],
      [{ failureThreshold: 1.5 }, 'failureThreshold'],
      [{ breakMs: -1 }, 'breakMs'],
      [{ breakMultiplier: 0.5 }, 'breakMultiplier'],
      [{ probeTimeoutMs: 0 }, 'probeTimeoutMs'],
      [{ breakMs: Number.NaN }, 'breakMs'],
    ];
    for (const [partial, key] of cases) {
      let thrown: unknown;
      try {
        resolveBreakerOptions(partial);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ValidationError);
      expect((thrown as ValidationError).issues[0]).toMatchObject({ path: key, rule: 'range' });
    }
  });
});

describe('BrokenCircuitError', () => {
  it('has a stable code and says until when', () => {
    const error = new BrokenCircuitError(Date.parse('2030-01-01T00:00:30.000Z'), 'sendgrid');
    expect(error.code).toBe('circuit_open');
    expect(error.message).toBe('the circuit of sendgrid is open until 2030-01-01T00:00:30.000Z');
    expect(new BrokenCircuitError(Number.NaN).message).toBe('the circuit is open until NaN');
  });
});
