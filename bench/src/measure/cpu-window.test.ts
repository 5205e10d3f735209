import { describe, expect, it } from 'vitest';
import { startCpuWindow } from './cpu-window.js';

describe('startCpuWindow', () => {
  it('returns the CPU spent between opening and stopping', () => {
    const client = [1_000, 251_000];
    const services = [
      { rabbitmq: 100, postgres: 1000, redis: 5 },
      { rabbitmq: 160, postgres: 1300, redis: 5 },
    ];
    const window = startCpuWindow({ client: () => client.shift() ?? 0, services: () => services.shift() ?? null });
    expect(window.stop()).toEqual({ clientMs: 250, servicesMs: { rabbitmq: 60, postgres: 300, redis: 0 } });
  });

  it('reports no service CPU when /proc is unreadable', () => {
    const window = startCpuWindow({ client: () => 0, services: () => null });
    expect(window.stop().servicesMs).toBeNull();
  });
});
