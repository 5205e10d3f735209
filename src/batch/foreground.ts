import { sleep } from '../core/clock.js';
import type { BatchRunner } from './runner/batch-runner.js';
import type { BatchService } from './service.js';
import type { BatchView } from './view.js';

/** Options of {@link runInForeground}. */
export interface ForegroundOptions {
  /** Stops the run (gracefully) when aborted, e.g. on SIGINT. */
  signal?: AbortSignal;
  /** How often the progress is read, in ms. Default 500. */
  intervalMs?: number;
  /** Called with the batch's view after each read. */
  onProgress?: (view: BatchView) => void;
}

/** True once a foreground run has nothing more to wait for. */
function ended(view: BatchView): boolean {
  return view.status === 'completed' || view.status === 'cancelled' || view.status === 'paused';
}

/**
 * Runs one batch in this process (`missive batch run ID`) with `runner` (made for that batch
 * only) until it completes, is paused (by anyone, or by an open circuit) or cancelled, or `signal`
 * aborts; then stops the runner gracefully and returns the batch's final view. A batch already
 * paused or finished is returned at once; one scheduled for later is waited for.
 */
export async function runInForeground(
  service: BatchService,
  runner: BatchRunner,
  batchId: string,
  options: ForegroundOptions = {},
): Promise<BatchView> {
  const first = await service.get(batchId);
  options.onProgress?.(first);
  if (ended(first) || options.signal?.aborted) return first;
  runner.start();
  try {
    for (;;) {
      await sleep(options.intervalMs ?? 500, options.signal).catch(() => undefined);
      const view = await service.get(batchId);
      options.onProgress?.(view);
      if (ended(view) || options.signal?.aborted) break;
    }
  } finally {
    await runner.stop();
  }
  return service.get(batchId);
}
