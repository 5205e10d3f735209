import { resolveRetryOptions } from '../resilience/retry-decision.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { Worker } from '../worker/worker.js';
import type { Runtime } from './runtime.js';

/** The roles a process can play (DESIGN.md); `missive start` plays them all. */
export const ROLES = ['worker', 'scheduler'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Roles running in this process. */
export interface RunningRoles {
  /** Stops every role gracefully: no new work, work in hand finished and recorded. */
  stop(): Promise<void>;
}

/** Starts the given roles on a runtime. */
export async function startRoles(runtime: Runtime, roles: readonly Role[]): Promise<RunningRoles> {
  const { settings, store, clock, logger } = runtime;
  const stops: (() => Promise<void>)[] = [];
  try {
    if (roles.includes('scheduler')) {
      const scheduler = new Scheduler({
        ...settings.scheduler,
        store,
        publisher: await runtime.publisher(),
        clock,
        logger: logger.child({ role: 'scheduler' }),
        owner: `${runtime.processName}:${runtime.newId()}`,
        metrics: runtime.metrics,
      });
      scheduler.start();
      stops.push(() => scheduler.stop());
    }
    if (roles.includes('worker')) {
      const worker = new Worker({
        store,
        broker: await runtime.broker(),
        providers: await runtime.providers(),
        breakers: runtime.breakers(),
        clock,
        random: runtime.random,
        logger: logger.child({ role: 'worker' }),
        retry: resolveRetryOptions(settings.delivery.retry),
        attemptTimeoutMs: settings.delivery.attemptTimeoutMs,
        prefetch: settings.worker.prefetch,
        metrics: runtime.metrics,
      });
      await worker.start();
      stops.push(() => worker.stop(settings.worker.shutdownGraceMs));
    }
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
  logger.info({ roles }, 'missive is running');
  return {
    // Stop in reverse order of start: the worker first, so nothing new arrives while it drains.
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
