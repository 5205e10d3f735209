import { describe, expect, it } from 'vitest';
import { routeDelivery } from './routing.js';

describe('routeDelivery', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it('publishes immediate messages', () => {
    expect(routeDelivery({ mode: 'immediate' }, now)).toEqual({ path: 'publish' });
  });

  it('holds a scheduled message until its time', () => {
    expect(routeDelivery({ mode: 'scheduled', at: '2030-01-01T01:00:00+01:00' }, now - 1)).toEqual({
      path: 'hold',
      dueAt: now,
    });
  });

  it('publishes a scheduled message whose time has come or passed', () => {
    expect(routeDelivery({ mode: 'scheduled', at: '2030-01-01T00:00:00Z' }, now)).toEqual({ path: 'publish' });
    expect(routeDelivery({ mode: 'scheduled', at: '2020-01-01T00:00:00Z' }, now)).toEqual({ path: 'publish' });
  });
});
