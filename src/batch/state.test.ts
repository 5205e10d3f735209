import { describe, expect, it } from 'vitest';
import { ConflictError } from '../core/errors.js';
import { planControl, runnerAction } from './state.js';
import type { BatchRecord } from './types.js';

type State = Pick<BatchRecord, 'id' | 'status' | 'reason' | 'startedAt'>;
const batch = (status: BatchRecord['status'], reason: BatchRecord['reason'] = null, startedAt: number | null = 1): State => ({
  id: 'b1',
  status,
  reason,
  startedAt,
});

describe('planControl', () => {
  it('pauses pending and running batches manually, and takes over a circuit pause', () => {
    for (const state of [batch('pending'), batch('running'), batch('paused', 'circuit_open')]) {
      expect(planControl('pause', state)).toEqual({ kind: 'change', to: { status: 'paused', reason: 'manual' } });
    }
    expect(planControl('pause', batch('paused', 'manual'))).toEqual({ kind: 'unchanged' });
  });

  it('resumes to running, or to pending when it never started', () => {
    expect(planControl('resume', batch('paused', 'circuit_open'))).toEqual({ kind: 'change', to: { status: 'running', reason: null } });
    expect(planControl('resume', batch('paused', 'manual', null))).toEqual({ kind: 'change', to: { status: 'pending', reason: null } });
    expect(planControl('resume', batch('running'))).toEqual({ kind: 'unchanged' });
  });

  it('cancels anything not finished; cancelling twice is no error', () => {
    for (const state of [batch('pending'), batch('running'), batch('paused', 'manual')]) {
      expect(planControl('cancel', state)).toEqual({ kind: 'change', to: { status: 'cancelled', reason: null } });
    }
    expect(planControl('cancel', batch('cancelled'))).toEqual({ kind: 'unchanged' });
  });

  it('refuses to act on a finished batch, with a stable code', () => {
    const refusals: [Parameters<typeof planControl>[0], State][] = [
      ['pause', batch('completed')],
      ['resume', batch('completed')],
      ['cancel', batch('completed')],
      ['pause', batch('cancelled')],
      ['resume', batch('cancelled')],
    ];
    for (const [action, state] of refusals) {
      const attempt = () => planControl(action, state);
      expect(attempt).toThrow(ConflictError);
      expect(attempt).toThrow(`cannot ${action} batch b1: it is ${state.status}`);
    }
    let code: string | undefined;
    try {
      planControl('pause', batch('completed'));
    } catch (error) {
      code = (error as ConflictError).code;
    }
    expect(code).toBe('batch_finished');
  });
});

describe('runnerAction', () => {
  const base = { reason: null, startAt: null, autoResume: true, resumeAt: null } as const;
  it('starts a pending batch only once its time has come', () => {
    expect(runnerAction({ ...base, status: 'pending' }, 1_000)).toBe('start');
    expect(runnerAction({ ...base, status: 'pending', startAt: 1_001 }, 1_000)).toBe('wait');
    expect(runnerAction({ ...base, status: 'pending', startAt: 1_000 }, 1_000)).toBe('start');
  });

  it('runs running batches and probes circuit pauses that resume by themselves when due', () => {
    expect(runnerAction({ ...base, status: 'running' }, 1_000)).toBe('run');
    const circuit = { ...base, status: 'paused', reason: 'circuit_open', resumeAt: 1_000 } as const;
    expect(runnerAction(circuit, 1_000)).toBe('probe');
    expect(runnerAction(circuit, 999)).toBe('wait');
    expect(runnerAction({ ...circuit, autoResume: false }, 2_000)).toBe('wait');
    expect(runnerAction({ ...circuit, reason: 'manual' }, 2_000)).toBe('wait');
  });

  it('leaves finished and creating batches alone', () => {
    for (const status of ['completed', 'cancelled', 'creating'] as const) expect(runnerAction({ ...base, status }, 1_000)).toBe('wait');
  });
});
