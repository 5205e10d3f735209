import { planHttp } from '../http/plan.js';
import { resolveRetryOptions } from '../resilience/retry-decision.js';
import { startBatchRunnerRole } from '../batch/role.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { Worker } from '../worker/worker.js';
import type { Runtime } from './runtime.js';

/** The roles a process can play (DESIGN.md); `missive start` plays them all. */
export const ROLES = ['worker', 'scheduler', 'batch', 'http'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Roles running in this process. */
export interface RunningRoles {
  /** Base URLs of the HTTP servers started: the API, and where /healthz, /readyz and /metrics are. */
  readonly urls: { api?: string; ops?: string };
  /** Stops every role gracefully: no new work, work in hand finished and recorded. */
  stop(): Promise<void>;
}

/** Options of {@link startRoles}. */
export interface StartRolesOptions {
  /**
   * Serve /healthz, /readyz and /metrics on `http.metricsPort` (else `PORT`) even without the
   * `http` role, as every long-running `missive` process does. Default false: a library
   * embedding the roles opens no port it did not ask for.
   */
  serveOps?: boolean;
}

/** Starts the given roles on a runtime. */
export async function startRoles(runtime: Runtime, roles: readonly Role[], options: StartRolesOptions = {}): Promise<RunningRoles> {
  const { settings, store, clock, logger } = runtime;
  const stops: (() => Promise<void>)[] = [];
  const urls: { api?: string; ops?: string } = {};
  const plan = planHttp(roles, settings, options.serveOps ?? false);
  // Loaded only when serving, so embedding the worker or scheduler does not load the HTTP stack.
  const http = plan.api || plan.ops ? await import('../http/listen.js') : undefined;
  // A batch runner alone never uses RabbitMQ: its probes must not require (nor connect to) it.
  const serve = { breakers: roles.includes('worker') || roles.includes('batch'), broker: roles.some((role) => role !== 'batch') };
  try {
    if (http && plan.ops) {
      // Started first and stopped last, so probes answer while the roles start and drain.
      const ops = await startOps(runtime, () => http.startOpsServer(runtime, plan.ops as { port: number }, serve), roles.includes('http'));
      if (ops) {
        urls.ops = ops.url;
        stops.push(() => ops.close());
      }
    }
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
        broker: await runtime.connectedBroker(),
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
    if (roles.includes('batch')) {
      const runner = await startBatchRunnerRole(runtime);
      stops.push(() => runner.stop());
    }
    if (http && plan.api) {
      // Started last and stopped first: no message is accepted once shutdown begins.
      const api = await http.startApiServer(runtime, plan.api, serve);
      urls.api = api.url;
      if (plan.api.withOps) urls.ops = api.url;
      stops.push(() => api.close());
    }
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
  logger.info({ roles, ...urls }, 'missive is running');
  return {
    urls,
    // Stop in reverse order of start: the API first (nothing new is accepted), then the worker
    // (nothing new arrives while it drains), the scheduler, and the probes last.
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}

/**
 * Starts the ops server of a process. Where it is the only server (a worker or scheduler), a
 * port already in use is logged and skipped rather than fatal, so several such processes can
 * run on one machine without each needing a port; the API's own server always fails hard.
 */
async function startOps(
  runtime: Runtime,
  start: () => Promise<{ url: string; close(): Promise<void> }>,
  fatal: boolean,
): Promise<{ url: string; close(): Promise<void> } | undefined> {
  try {
    return await start();
  } catch (error) {
    if (fatal || (error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    runtime.logger.error({ err: (error as Error).message }, 'cannot serve /healthz, /readyz and /metrics: the port is in use (set PORT or http.metricsPort)');
    return undefined;
  }
}
