import { describe, expect, it } from 'vitest';
import { startCpuWindow } from './cpu-window.js';

function sources(readings: {
  client: number[];
  services: ({ rabbitmq: number; postgres: number; redis: number } | null)[];
  machine: (number | null)[];
  now: number[];
}) {
  return {
    client: () => readings.client.shift() ?? 0,
    services: () => readings.services.shift() ?? null,
    machine: () => readings.machine.shift() ?? null,
    now: () => readings.now.shift() ?? 0,
  };
}

describe('startCpuWindow', () => {
  it('returns the CPU spent between opening and stopping, and what others used', () => {
    const window = startCpuWindow(
      sources({
        client: [1_000, 251_000],
        services: [
          { rabbitmq: 100, postgres: 1000, redis: 5 },
          { rabbitmq: 160, postgres: 1300, redis: 5 },
        ],
        machine: [10_000, 10_000 + 250 + 360 + 500],
        now: [0, 1000],
      }),
    );
    expect(window.stop()).toEqual({
      clientMs: 250,
      servicesMs: { rabbitmq: 60, postgres: 300, redis: 0 },
      otherCores: 0.5,
      wallMs: 1000,
    });
  });

  it('reports no service or machine figures when /proc is unreadable', () => {
    const window = startCpuWindow(sources({ client: [0, 0], services: [null, null], machine: [null, null], now: [0, 10] }));
    expect(window.stop()).toMatchObject({ servicesMs: null, otherCores: null });
  });

  it('never reports negative interference from tick rounding', () => {
    const window = startCpuWindow(
      sources({
        client: [0, 20_000],
        services: [
          { rabbitmq: 0, postgres: 0, redis: 0 },
          { rabbitmq: 0, postgres: 0, redis: 0 },
        ],
        machine: [0, 10],
        now: [0, 100],
      }),
    );
    expect(window.stop().otherCores).toBe(0);
  });
});
