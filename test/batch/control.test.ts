import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startBatchRunnerRole } from '../../src/batch/role.js';
import { ConflictError } from '../../src/core/errors.js';
import { PermanentProviderError } from '../../src/providers/errors.js';
import { STORE_KINDS } from '../support/stores.js';
import { type BatchHarness, chatCsv, chatTemplate, openBatchHarness, waitForBatch } from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(STORE_KINDS)('controlling a running batch from another process (%s)', (kind) => {
  const harnesses: BatchHarness[] = [];
  afterEach(async () => {
    const all = harnesses.splice(0);
    for (const harness of all.slice(1)) await harness.close();
    await all[0]?.destroy();
  });

  it('pauses, resumes and cancels; the runner follows within a second and sends nothing twice', async () => {
    const runnerSide = await openBatchHarness(kind);
    harnesses.push(runnerSide);
    // Another runtime on the same database, as `missive batch pause` from another terminal is.
    const operator = await openBatchHarness(kind, { database: runnerSide.database });
    harnesses.push(operator);
    runnerSide.vendor.delayMs = 20;
    const { batch } = await operator.service.create({ template: chatTemplate, concurrency: 2, recipients: { format: 'csv', input: Readable.from([chatCsv(120)]) } });
    (await runnerSide.runner()).start();

    const running = await waitForBatch(operator.service, batch.id, (view) => view.sent >= 10);
    expect(running.status).toBe('running');
    expect(running.rate).toBeGreaterThan(0);
    expect(running.etaSeconds).toBeGreaterThan(0);
    expect(running.pending + running.sending + running.sent + running.failed).toBe(120);

    expect(await operator.service.pause(batch.id)).toMatchObject({ status: 'paused', reason: 'manual' });
    const paused = await waitForBatch(operator.service, batch.id, (view) => view.sending === 0);
    const calls = runnerSide.vendor.callsTo('vendor').length;
    await sleep(700);
    expect(runnerSide.vendor.callsTo('vendor')).toHaveLength(calls);
    expect(await operator.service.get(batch.id)).toMatchObject({ status: 'paused', sent: paused.sent, etaSeconds: null });
    expect(await operator.service.pause(batch.id)).toMatchObject({ status: 'paused' }); // no error the second time

    await operator.service.resume(batch.id);
    await waitForBatch(operator.service, batch.id, (view) => view.sent >= paused.sent + 10);
    const cancelled = await operator.service.cancel(batch.id);
    expect(cancelled.status).toBe('cancelled');
    await sleep(700);
    const final = await operator.service.get(batch.id);
    expect(final.status).toBe('cancelled');
    expect(final.sending).toBe(0);
    expect(final.sent).toBeLessThan(120);
    expect(final.pending).toBe(120 - final.sent);
    await expect(operator.service.resume(batch.id)).rejects.toThrow(ConflictError);
    const keys = runnerSide.vendor.sentBy('vendor').map((message) => message.idempotencyKey);
    expect(keys).toHaveLength(final.sent);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('the batch runner role (sqlite)', () => {
  let harness: BatchHarness | undefined;
  afterEach(async () => harness?.destroy());

  it('waits for a scheduled batch, and stops gracefully mid-batch leaving nothing claimed', async () => {
    harness = await openBatchHarness('sqlite');
    const { service, vendor } = harness;
    vendor.delayMs = 30;
    const startAt = Date.now() + 1_200;
    const { batch } = await service.create({ template: chatTemplate, startAt, concurrency: 4, recipients: { format: 'csv', input: Readable.from([chatCsv(200)]) } });
    expect(batch).toMatchObject({ status: 'pending', startAt: new Date(startAt).toISOString() });
    const role = await startBatchRunnerRole(harness.runtime);
    await sleep(700);
    expect(vendor.callsTo('vendor')).toHaveLength(0);
    const started = await waitForBatch(service, batch.id, (view) => view.sent >= 8);
    expect(Date.parse(started.startedAt ?? '')).toBeGreaterThanOrEqual(startAt);

    await role.stop();
    const stopped = await service.get(batch.id);
    expect(stopped).toMatchObject({ status: 'running', sending: 0, failed: 0 });
    expect(stopped.sent).toBe(vendor.sentBy('vendor').length);

    const again = await startBatchRunnerRole(harness.runtime);
    try {
      await waitForBatch(service, batch.id, (view) => view.status === 'completed');
    } finally {
      await again.stop();
    }
    const keys = vendor.sentBy('vendor').map((message) => message.idempotencyKey);
    expect(keys).toHaveLength(200);
    expect(new Set(keys).size).toBe(200);
  });

  it('lists items of a status, streamed page by page', async () => {
    harness = await openBatchHarness('sqlite');
    harness.vendor.scripts.set('vendor', (message) => (Number(message.to.slice(2)) % 3 === 0 ? new PermanentProviderError('gone') : undefined));
    const { batch } = await harness.service.create({ template: chatTemplate, recipients: { format: 'csv', input: Readable.from([chatCsv(30)]) } });
    (await harness.runner()).start();
    await waitForBatch(harness.service, batch.id, (view) => view.status === 'completed');
    const failed: number[] = [];
    for await (const item of harness.service.items(batch.id, { status: 'failed', pageSize: 4 })) failed.push(item.item);
    expect(failed).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    const all: number[] = [];
    for await (const item of harness.service.items(batch.id, { pageSize: 7 })) all.push(item.item);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});
