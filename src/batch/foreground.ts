import { sleep as realSleep } from '../core/clock.js';
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
  /** Waits between reads; default the real `sleep`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * True once a foreground run has nothing more to wait for: the batch is finished, or paused for
 * good. A pause by an open circuit is not for good when the batch resumes by itself (its probe
 * comes, from this runner or another): the run waits through it.
 */
function foregroundEnded(view: Pick<BatchView, 'status' | 'reason' | 'autoResume'>): boolean {
  if (view.status === 'completed' || view.status === 'cancelled') return true;
  return view.status === 'paused' && !(view.reason === 'circuit_open' && view.autoResume);
}

/**
 * Runs one batch in this process (`missive batch run ID`) with `runner` (made for that batch
 * only) until it completes, is cancelled or paused for good (by anyone, or by an open circuit
 * when the batch does not resume by itself), or `signal` aborts; then stops the runner gracefully
 * and returns the batch's final view. A batch already finished or paused for good is returned at
 * once; one scheduled for later, or waiting for its probe after an open circuit, is waited for.
 */
export async function runInForeground(
  service: Pick<BatchService, 'get'>,
  runner: Pick<BatchRunner, 'start' | 'stop'>,
  batchId: string,
  options: ForegroundOptions = {},
): Promise<BatchView> {
  const sleep = options.sleep ?? realSleep;
  const first = await service.get(batchId);
  options.onProgress?.(first);
  if (foregroundEnded(first) || options.signal?.aborted) return first;
  runner.start();
  try {
    for (;;) {
      await sleep(options.intervalMs ?? 500, options.signal).catch(() => undefined);
      const view = await service.get(batchId);
      options.onProgress?.(view);
      if (foregroundEnded(view) || options.signal?.aborted) break;
    }
  } finally {
    await runner.stop();
  }
  return service.get(batchId);
}
