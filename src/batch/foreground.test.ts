import { describe, expect, it } from 'vitest';
import { runInForeground } from './foreground.js';
import type { BatchView } from './view.js';

/** A batch view with the fields a foreground run reads. */
function view(status: BatchView['status'], more: Partial<BatchView> = {}): BatchView {
  return {
    id: 'B1',
    status,
    reason: null,
    channel: 'chat',
    provider: 'vendor',
    concurrency: 4,
    autoResume: true,
    total: 10,
    pending: 10,
    sending: 0,
    sent: 0,
    failed: 0,
    skipped: 0,
    done: 0,
    rate: 0,
    etaSeconds: null,
    startAt: null,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    resumeAt: null,
    ...more,
  };
}

const circuitOpen = (more: Partial<BatchView> = {}) => view('paused', { reason: 'circuit_open', resumeAt: '2030-01-01T00:00:30.000Z', ...more });

/** Runs a foreground run over views read in turn (the last one repeats), without sleeping. */
async function run(views: BatchView[], signal?: AbortSignal) {
  let reads = 0;
  const seen: BatchView[] = [];
  const runner = { starts: 0, stops: 0, start: () => void runner.starts++, stop: async () => void runner.stops++ };
  const service = { get: async () => views[Math.min(reads++, views.length - 1)] as BatchView };
  const final = await runInForeground(service, runner, 'B1', {
    sleep: async () => undefined,
    onProgress: (progress) => seen.push(progress),
    ...(signal !== undefined && { signal }),
  });
  return { final, seen, runner };
}

describe('runInForeground', () => {
  it('runs until the batch completes, then stops the runner', async () => {
    const { final, runner, seen } = await run([view('pending'), view('running'), view('completed')]);
    expect(final.status).toBe('completed');
    expect(seen.map((v) => v.status)).toEqual(['pending', 'running', 'completed']);
    expect(runner).toMatchObject({ starts: 1, stops: 1 });
  });

  it('keeps running while an open circuit pauses a batch that resumes by itself, and goes on after its probe', async () => {
    const { final, seen, runner } = await run([view('running'), circuitOpen(), circuitOpen(), view('running'), view('completed')]);
    expect(final.status).toBe('completed');
    expect(seen.map((v) => `${v.status}${v.reason ? `:${v.reason}` : ''}`)).toEqual(['running', 'paused:circuit_open', 'paused:circuit_open', 'running', 'completed']);
    expect(runner).toMatchObject({ starts: 1, stops: 1 });
  });

  it('waits for the probe of a batch already paused by an open circuit', async () => {
    const { final, runner } = await run([circuitOpen(), circuitOpen(), view('running'), view('completed')]);
    expect(final.status).toBe('completed');
    expect(runner.starts).toBe(1);
  });

  it('ends at a manual pause, a pause without auto-resume, or a provider gone', async () => {
    for (const paused of [view('paused', { reason: 'manual' }), circuitOpen({ autoResume: false }), view('paused', { reason: 'provider_unavailable' })]) {
      const during = await run([view('running'), paused]);
      expect(during.final, paused.reason ?? '').toMatchObject({ status: 'paused', reason: paused.reason });
      expect(during.runner.stops).toBe(1);
      const before = await run([paused, view('completed')]);
      expect(before.final.status).toBe('paused');
      expect(before.runner.starts).toBe(0);
    }
  });

  it('returns a finished batch at once, and stops when aborted', async () => {
    expect((await run([view('cancelled'), view('running')])).runner.starts).toBe(0);
    const controller = new AbortController();
    const views = [view('running'), circuitOpen(), circuitOpen()];
    const aborted = run(views, controller.signal);
    controller.abort();
    const { final, runner } = await aborted;
    expect(final.status).not.toBe('completed');
    expect(runner.stops).toBe(runner.starts);
  });
});
