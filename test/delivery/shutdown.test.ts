import { afterEach, describe, expect, it } from 'vitest';
import { startTestMissive, type TestMissive } from '../support/missive.js';
import { ScriptedVendor } from '../support/scripted-provider.js';
import { STORE_KINDS } from '../support/stores.js';

const config = { providers: { slow: { type: 'scripted' } } };

describe.each(STORE_KINDS)('graceful shutdown: %s', (kind) => {
  const started: TestMissive[] = [];

  afterEach(async () => {
    const all = started.splice(0);
    for (const missive of all.reverse()) await missive.stop();
    await all.at(-1)?.destroy();
  });

  it('finishes, records and acknowledges messages in flight, and loses none', async () => {
    const vendor = new ScriptedVendor();
    vendor.delayMs = 300;
    const first = await startTestMissive(kind, { config: { ...config, worker: { prefetch: 10 } }, vendor });
    started.push(first);
    const producer = await first.runtime.producer();
    const receipts = await Promise.all(
      Array.from({ length: 40 }, (_, i) => producer.send({ channel: 'sms', to: '+14155550100', text: `m${i}` })),
    );
    await expect.poll(() => vendor.callsTo('slow').length).toBeGreaterThan(0);
    await first.stop();
    const deliveredBeforeStop = vendor.sentBy('slow').length;
    expect(deliveredBeforeStop).toBeGreaterThan(0);
    expect(deliveredBeforeStop).toBeLessThan(receipts.length);

    vendor.delayMs = 0;
    const second = await startTestMissive(kind, { config, vendor, database: first.database, prefix: first.prefix });
    started.push(second);
    await expect
      .poll(async () => (await second.runtime.store.countByStatus()).delivered, { timeout: 15_000 })
      .toBe(receipts.length);
    // Every message was sent exactly once: the stop finished what it had in hand (recording and
    // acknowledging it), and the rest waited in the queue for the next worker.
    const ids = vendor.allSent().map((message) => message.id);
    expect(ids.length).toBe(receipts.length);
    expect(new Set(ids)).toEqual(new Set(receipts.map((r) => r.id)));
    const history = await second.runtime.store.getHistory(receipts[0]!.id);
    expect(history.filter((h) => h.event === 'delivered')).toHaveLength(1);
  });
});
