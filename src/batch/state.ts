import { ConflictError } from '../core/errors.js';
import type { BatchTarget } from './store.js';
import type { BatchRecord } from './types.js';

/** What a person (CLI, HTTP) may ask of a batch at any time. */
export type BatchControl = 'pause' | 'resume' | 'cancel';

/** What a control does to a batch: move it, or nothing (it is already there). */
export type ControlPlan = { kind: 'change'; to: BatchTarget } | { kind: 'unchanged' };

/**
 * Decides, purely, what `action` does to a batch in its current state. Asking for the state a
 * batch is already in is not an error (so retries are safe); acting on a finished batch is a
 * ConflictError (`batch_finished`). A manual pause also takes over a `circuit_open` pause, so a
 * batch someone paused never resumes by itself. Resuming a batch never started makes it
 * `pending` again (it still waits for its start time); otherwise `running`.
 */
export function planControl(action: BatchControl, batch: Pick<BatchRecord, 'id' | 'status' | 'reason' | 'startedAt'>): ControlPlan {
  const { status } = batch;
  if (status === 'completed' || (status === 'cancelled' && action !== 'cancel')) {
    throw new ConflictError('batch_finished', `cannot ${action} batch ${batch.id}: it is ${status}`);
  }
  if (status === 'creating') {
    throw new ConflictError('batch_creating', `cannot ${action} batch ${batch.id}: it is still being created`);
  }
  switch (action) {
    case 'pause':
      if (status === 'paused' && batch.reason === 'manual') return { kind: 'unchanged' };
      return { kind: 'change', to: { status: 'paused', reason: 'manual' } };
    case 'resume':
      if (status !== 'paused') return { kind: 'unchanged' };
      return { kind: 'change', to: { status: batch.startedAt === null ? 'pending' : 'running', reason: null } };
    case 'cancel':
      if (status === 'cancelled') return { kind: 'unchanged' };
      return { kind: 'change', to: { status: 'cancelled', reason: null } };
  }
}

/**
 * What a runner should do with a batch now: `start` a pending one whose time has come, `run` a
 * running one, `probe` one paused by an open circuit that resumes by itself once its probe time
 * has come, or nothing (`wait`).
 */
export function runnerAction(
  batch: Pick<BatchRecord, 'status' | 'reason' | 'startAt' | 'autoResume' | 'resumeAt'>,
  now: number,
): 'start' | 'run' | 'probe' | 'wait' {
  switch (batch.status) {
    case 'pending':
      return batch.startAt === null || batch.startAt <= now ? 'start' : 'wait';
    case 'running':
      return 'run';
    case 'paused':
      return batch.reason === 'circuit_open' && batch.autoResume && (batch.resumeAt ?? 0) <= now ? 'probe' : 'wait';
    default:
      return 'wait';
  }
}
