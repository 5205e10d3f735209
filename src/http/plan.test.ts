import { describe, expect, it } from 'vitest';
import { planHttp } from './plan.js';

const settings = (metricsPort?: number) => ({ port: 3000, http: { host: '0.0.0.0', bodyLimitBytes: 1024, ...(metricsPort !== undefined && { metricsPort }) } });

describe('planHttp', () => {
  it('serves the API with the ops routes on PORT', () => {
    expect(planHttp(['worker', 'scheduler', 'http'], settings(), true)).toEqual({ api: { port: 3000, withOps: true } });
    expect(planHttp(['http'], settings(), false)).toEqual({ api: { port: 3000, withOps: true } });
  });

  it('moves the ops routes to metricsPort when set', () => {
    expect(planHttp(['http'], settings(9100), true)).toEqual({ api: { port: 3000, withOps: false }, ops: { port: 9100 } });
    expect(planHttp(['worker'], settings(9100), true)).toEqual({ ops: { port: 9100 } });
  });

  it('serves the ops routes of a process without the API on PORT, when asked', () => {
    expect(planHttp(['worker'], settings(), true)).toEqual({ ops: { port: 3000 } });
    expect(planHttp(['scheduler'], settings(), true)).toEqual({ ops: { port: 3000 } });
    expect(planHttp(['worker', 'scheduler'], settings(), false)).toEqual({});
  });
});
