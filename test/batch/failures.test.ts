import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentProviderError, RetryableProviderError } from '../../src/providers/errors.js';
import { STORE_KINDS } from '../support/stores.js';
import { type BatchHarness, chatCsv, chatTemplate, openBatchHarness, waitForBatch } from './support.js';

describe.each(STORE_KINDS)('a batch with failing recipients (%s)', (kind) => {
  let harness: BatchHarness;
  afterEach(async () => harness?.destroy());

  it('sends every other item, records each failure, and never lets a failing item block the rest', async () => {
    harness = await openBatchHarness(kind, {
      // Fixed 300 ms backoff (random just under 1): far longer than sending everything else takes.
      config: { delivery: { retry: { maxAttempts: 4, baseMs: 300, capMs: 300 }, breaker: { failureThreshold: 0.8 } } },
      overrides: { random: () => 0.999 },
    });
    const { vendor, service } = harness;
    vendor.delayMs = 5;
    const transientCalls = new Map<string, number>();
    vendor.scripts.set('vendor', (message) => {
      if (message.to === '#r5' || message.to === '#r10') return new PermanentProviderError('no such channel', { status: 404, code: 'channel_not_found' });
      if (message.to === '#r3' || message.to === '#r7') {
        const calls = (transientCalls.get(message.to) ?? 0) + 1;
        transientCalls.set(message.to, calls);
        if (calls <= 2) return new RetryableProviderError('HTTP 503', { status: 503 });
      }
      if (message.to === '#r12') return new RetryableProviderError('HTTP 502', { status: 502 }); // every time
      return undefined;
    });
    const { batch } = await service.create({ template: chatTemplate, concurrency: 2, recipients: { format: 'csv', input: Readable.from([chatCsv(30)]) } });
    (await harness.runner()).start();
    const done = await waitForBatch(service, batch.id, (view) => view.status === 'completed');
    expect(done).toMatchObject({ total: 30, sent: 27, failed: 3, pending: 0, sending: 0 });

    const sent = vendor.sentBy('vendor').map((message) => message.idempotencyKey);
    expect(sent).toHaveLength(27);
    expect(new Set(sent).size).toBe(27);
    // The transient items' successes came after everything else had gone: their waits held no slot.
    const order = vendor.sentBy('vendor').map((message) => message.to);
    expect(order.indexOf('#r3')).toBeGreaterThan(order.indexOf('#r30'));

    const failed = await service.listItems(batch.id, { status: 'failed' });
    expect(failed.items.map((item) => [item.to, item.attempts, item.error?.kind, item.error?.vendorStatus])).toEqual([
      ['#r5', 1, 'permanent', 404],
      ['#r10', 1, 'permanent', 404],
      ['#r12', 4, 'retryable', 502],
    ]);
    expect(failed.items[0]?.error).toMatchObject({ message: 'no such channel', vendorCode: 'channel_not_found', provider: 'vendor' });
    const retried = (await service.listItems(batch.id, { status: 'sent' })).items.filter((item) => item.attempts > 1);
    expect(retried.map((item) => [item.to, item.attempts])).toEqual([
      ['#r3', 3],
      ['#r7', 3],
    ]);
  });
});
