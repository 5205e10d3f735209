import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runInForeground } from '../../src/batch/foreground.js';
import type { BatchView } from '../../src/batch/view.js';
import { RetryableProviderError } from '../../src/providers/errors.js';
import { STORE_KINDS } from '../support/stores.js';
import { type BatchHarness, chatCsv, chatTemplate, openBatchHarness, waitForBatch } from './support.js';

const CONCURRENCY = 4;
const config = {
  delivery: {
    retry: { maxAttempts: 5, baseMs: 20, capMs: 50 },
    breaker: { windowSize: 10, minimumCalls: 5, failureThreshold: 0.5, breakMs: 400, maxBreakMs: 1_000 },
  },
};

/** A vendor that goes down after `upFor` calls, until `state.down` is set back to false. */
function outage(harness: BatchHarness, upFor: number): { down: boolean } {
  const state = { down: false };
  harness.vendor.delayMs = 5;
  harness.vendor.scripts.set('vendor', (_message, call) => {
    if (call > upFor && !state.down && !('cameBack' in state)) state.down = true;
    return state.down ? new RetryableProviderError('HTTP 503', { status: 503 }) : undefined;
  });
  return state;
}

describe.each(STORE_KINDS)('a provider outage during a batch (%s)', (kind) => {
  let harness: BatchHarness;
  afterEach(async () => harness?.destroy());

  it('pauses the batch within a bounded number of calls, fails no item, then resumes and sends each item once', async () => {
    harness = await openBatchHarness(kind, { config });
    const { service, vendor } = harness;
    const state = outage(harness, 40);
    const calls = () => vendor.callsTo('vendor').length;
    let callsAtOpen: number | undefined;
    harness.runtime.breakers().onEvent((_provider, event) => {
      if (event.type === 'opened') callsAtOpen ??= calls();
    });
    const { batch } = await service.create({ template: chatTemplate, concurrency: CONCURRENCY, recipients: { format: 'csv', input: Readable.from([chatCsv(200)]) } });
    (await harness.runner()).start();

    const paused = await waitForBatch(service, batch.id, (view) => view.status === 'paused');
    const callsAtPause = calls();
    expect(paused).toMatchObject({ reason: 'circuit_open', failed: 0, sending: 0 });
    expect(paused.resumeAt).not.toBeNull();
    expect(paused.sent + paused.pending).toBe(200);
    expect(callsAtOpen).toBeDefined();
    // Only calls already in flight when the circuit opened may follow it.
    expect(callsAtPause - (callsAtOpen as number)).toBeLessThanOrEqual(CONCURRENCY);
    expect((await service.listItems(batch.id, { status: 'failed' })).items).toEqual([]);

    // The provider comes back: the runner probes it with one item once the break is over.
    Object.assign(state, { down: false, cameBack: true });
    const done = await waitForBatch(service, batch.id, (view) => view.status === 'completed');
    expect(done).toMatchObject({ total: 200, sent: 200, failed: 0 });
    const keys = vendor.sentBy('vendor').map((message) => message.idempotencyKey);
    expect(keys).toHaveLength(200);
    expect(new Set(keys).size).toBe(200);
  });

  it('missive batch run keeps going through a pause of its open circuit, and completes once the provider is back', async () => {
    harness = await openBatchHarness(kind, { config });
    const { service } = harness;
    const state = outage(harness, 30);
    const { batch } = await service.create({ template: chatTemplate, concurrency: CONCURRENCY, recipients: { format: 'csv', input: Readable.from([chatCsv(100)]) } });
    const seen: BatchView[] = [];
    const runner = await harness.runner({ batchId: batch.id, pollIntervalMs: 100 });
    const run = runInForeground(service, runner, batch.id, {
      intervalMs: 50,
      onProgress: (view) => {
        seen.push(view);
        // The provider comes back once the run has shown the pause.
        if (view.status === 'paused') Object.assign(state, { down: false, cameBack: true });
      },
    });
    const final = await run;
    expect(final).toMatchObject({ status: 'completed', sent: 100, failed: 0 });
    expect(seen.some((view) => view.status === 'paused' && view.reason === 'circuit_open' && view.resumeAt !== null)).toBe(true);
    expect(new Set(harness.vendor.sentBy('vendor').map((message) => message.idempotencyKey)).size).toBe(100);
  });

  it('stays paused without auto-resume until resumed by hand', async () => {
    harness = await openBatchHarness(kind, { config });
    const { service, vendor } = harness;
    const state = outage(harness, 10);
    const { batch } = await service.create({
      template: chatTemplate,
      concurrency: CONCURRENCY,
      autoResume: false,
      recipients: { format: 'csv', input: Readable.from([chatCsv(60)]) },
    });
    (await harness.runner()).start();
    await waitForBatch(service, batch.id, (view) => view.status === 'paused' && view.reason === 'circuit_open');
    Object.assign(state, { down: false, cameBack: true });
    const callsWhilePaused = vendor.callsTo('vendor').length;
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // more than twice the break
    expect(await service.get(batch.id)).toMatchObject({ status: 'paused', reason: 'circuit_open', autoResume: false });
    expect(vendor.callsTo('vendor')).toHaveLength(callsWhilePaused);

    expect(await service.resume(batch.id)).toMatchObject({ status: 'running', reason: null });
    const done = await waitForBatch(service, batch.id, (view) => view.status === 'completed');
    expect(done).toMatchObject({ sent: 60, failed: 0 });
    expect(new Set(vendor.sentBy('vendor').map((message) => message.idempotencyKey)).size).toBe(60);
  });
});
