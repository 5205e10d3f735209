import type { ServiceName } from '../systems/system.js';
import { serviceCpuMs } from './proc-stat.js';

/** CPU spent over one measured window, in milliseconds. */
export interface CpuUsage {
  /** The benchmark process itself: producer, consumer and the library under test. */
  readonly clientMs: number;
  /** Each backing service's process tree; null where /proc could not be read. */
  readonly servicesMs: Record<ServiceName, number> | null;
}

/** Where the readings come from; injected so tests can feed fixed numbers. */
export interface CpuSources {
  /** Total (user + system) CPU of this process so far, in microseconds. */
  client(): number;
  /** CPU of each service so far, in milliseconds. */
  services(): Record<ServiceName, number> | null;
}

/** The real sources: `process.cpuUsage()` and `/proc`. */
export const processCpuSources: CpuSources = {
  client: () => {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  },
  services: () => serviceCpuMs(),
};

/** An open measurement window; `stop()` returns the CPU spent since it opened. */
export interface CpuWindow {
  stop(): CpuUsage;
}

/** Opens a window: reads every source now, and again on `stop()`. */
export function startCpuWindow(sources: CpuSources = processCpuSources): CpuWindow {
  const clientStart = sources.client();
  const servicesStart = sources.services();
  return {
    stop: () => {
      const clientEnd = sources.client();
      const servicesEnd = sources.services();
      const servicesMs =
        servicesStart === null || servicesEnd === null
          ? null
          : {
              rabbitmq: servicesEnd.rabbitmq - servicesStart.rabbitmq,
              postgres: servicesEnd.postgres - servicesStart.postgres,
              redis: servicesEnd.redis - servicesStart.redis,
            };
      return { clientMs: (clientEnd - clientStart) / 1000, servicesMs };
    },
  };
}
