import type { ServiceName } from '../systems/system.js';
import { machineBusyMs, serviceCpuMs } from './proc-stat.js';

/** CPU spent over one measured window, in milliseconds. */
export interface CpuUsage {
  /** The benchmark process itself: producer, consumer and the library under test. */
  readonly clientMs: number;
  /** Each backing service's process tree; null where /proc could not be read. */
  readonly servicesMs: Record<ServiceName, number> | null;
  /**
   * Average number of cores kept busy by everything else on the machine (other programs, other
   * clients of the shared services are not separable and count as services). Near 0 on a quiet
   * machine; null where /proc could not be read.
   */
  readonly otherCores: number | null;
  /** Length of the window. */
  readonly wallMs: number;
}

/** Where the readings come from; injected so tests can feed fixed numbers. */
export interface CpuSources {
  /** Total (user + system) CPU of this process so far, in microseconds. */
  client(): number;
  /** CPU of each service so far, in milliseconds. */
  services(): Record<ServiceName, number> | null;
  /** Busy CPU of the whole machine so far, in milliseconds. */
  machine(): number | null;
  /** A monotonic clock in milliseconds. */
  now(): number;
}

/** The real sources: `process.cpuUsage()`, `/proc` and `performance.now()`. */
export const processCpuSources: CpuSources = {
  client: () => {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  },
  services: () => serviceCpuMs(),
  machine: () => machineBusyMs(),
  now: () => performance.now(),
};

/** An open measurement window; `stop()` returns the CPU spent since it opened. */
export interface CpuWindow {
  stop(): CpuUsage;
}

/** Opens a window: reads every source now, and again on `stop()`. */
export function startCpuWindow(sources: CpuSources = processCpuSources): CpuWindow {
  const startedAt = sources.now();
  const clientStart = sources.client();
  const servicesStart = sources.services();
  const machineStart = sources.machine();
  return {
    stop: () => {
      const clientMs = (sources.client() - clientStart) / 1000;
      const servicesEnd = sources.services();
      const machineEnd = sources.machine();
      const wallMs = sources.now() - startedAt;
      const servicesMs =
        servicesStart === null || servicesEnd === null
          ? null
          : {
              rabbitmq: servicesEnd.rabbitmq - servicesStart.rabbitmq,
              postgres: servicesEnd.postgres - servicesStart.postgres,
              redis: servicesEnd.redis - servicesStart.redis,
            };
      let otherCores: number | null = null;
      if (servicesMs !== null && machineStart !== null && machineEnd !== null && wallMs > 0) {
        const ours = clientMs + servicesMs.rabbitmq + servicesMs.postgres + servicesMs.redis;
        // /proc counts in 10 ms ticks: clamp the small negative noise that rounding leaves.
        otherCores = Math.max(0, (machineEnd - machineStart - ours) / wallMs);
      }
      return { clientMs, servicesMs, otherCores, wallMs };
    },
  };
}
