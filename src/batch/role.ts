import { resolveRetryOptions } from '../resilience/retry-decision.js';
import type { Runtime } from '../runtime/runtime.js';
import { BatchRunner, type BatchRunnerOptions } from './runner/batch-runner.js';
import type { RunnerDeps } from './runner/deps.js';
import { BatchService } from './service.js';
import { SqlBatchStore } from './sql-batch-store.js';
import type { BatchStore } from './store.js';

/** How often a run re-reads its batch and renews its leases, in ms: pause and cancel take effect this fast. */
const CONTROL_INTERVAL_MS = 500;

/** The batch store over the runtime's database. */
export function batchStoreFor(runtime: Runtime): BatchStore {
  return new SqlBatchStore(runtime.store.context);
}

/** The batch service over a runtime: what the CLI and the HTTP API call. */
export function batchServiceFor(runtime: Runtime): BatchService {
  return new BatchService({
    store: batchStoreFor(runtime),
    providers: () => runtime.providers(),
    clock: runtime.clock,
    newId: runtime.newId,
    defaultConcurrency: runtime.settings.batch.concurrency,
  });
}

/** A batch runner on a runtime, with the settings' retry, timeout, lease and breaker policy. */
export async function batchRunnerFor(runtime: Runtime, options: BatchRunnerOptions = {}): Promise<BatchRunner> {
  const { settings } = runtime;
  const deps: RunnerDeps = {
    store: batchStoreFor(runtime),
    providers: await runtime.providers(),
    breakers: runtime.breakers(),
    clock: runtime.clock,
    random: runtime.random,
    logger: runtime.logger.child({ role: 'batch' }),
    retry: resolveRetryOptions(settings.delivery.retry),
    attemptTimeoutMs: settings.delivery.attemptTimeoutMs,
    owner: `${runtime.processName}:${runtime.newId()}`,
    chunkSize: settings.batch.chunkSize,
    leaseMs: settings.batch.leaseMs,
    controlIntervalMs: CONTROL_INTERVAL_MS,
    probeBackoffMs: settings.delivery.breaker.breakMs,
    metrics: runtime.metrics,
  };
  return new BatchRunner(deps, { shutdownGraceMs: settings.worker.shutdownGraceMs, ...options });
}

/**
 * Starts the `batch` role: a runner that works on every batch (pending ones when their time
 * comes, running ones, those a crashed runner left, auto-resuming ones after a circuit opened).
 */
export async function startBatchRunnerRole(runtime: Runtime, options: BatchRunnerOptions = {}): Promise<{ stop(): Promise<void> }> {
  const runner = await batchRunnerFor(runtime, options);
  runner.start();
  return { stop: () => runner.stop() };
}
