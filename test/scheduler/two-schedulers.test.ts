import { afterEach, describe, expect, it } from 'vitest';
import { startTestMissive, type TestMissive } from '../support/missive.js';
import { drainQueue } from '../support/rabbitmq.js';

describe('several schedulers on PostgreSQL', () => {
  const running: TestMissive[] = [];

  afterEach(async () => {
    const all = running.splice(0);
    for (const missive of all.slice(1).reverse()) await missive.stop();
    await all[0]?.destroy();
  });

  it('dispatch every message exactly once between them', async () => {
    // Schedulers alone, no worker: every publish stays in the queue, where a copy would show
    // (a worker would skip the copy of a message already delivered and hide it).
    const config = { scheduler: { chunkSize: 50, lookAheadMs: 300 } };
    const first = await startTestMissive('postgres', { config, roles: ['scheduler'] });
    running.push(first);
    for (let i = 0; i < 2; i++) {
      running.push(await startTestMissive('postgres', { config, roles: ['scheduler'], database: first.database, prefix: first.prefix }));
    }
    const producer = await first.runtime.producer();
    const base = Date.now() + 500;
    const sends = Array.from({ length: 300 }, (_, i) =>
      producer.send({ channel: 'chat', to: '#ops', text: `${i}`, delivery: { mode: 'scheduled', at: new Date(base + (i % 30) * 50).toISOString() } }),
    );
    const ids = (await Promise.all(sends)).map((r) => r.id);
    const broker = await first.runtime.broker();
    await expect.poll(() => broker.queueDepth('chat'), { timeout: 15_000 }).toBeGreaterThanOrEqual(300);
    // Time for a second publish of any message to land, had one been made.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await first.runtime.store.countByStatus()).toEqual({ queued: 300 });
    const published = (await drainQueue(`${first.prefix}.chat`, 1_000)).map((message) => String(message.properties.messageId));
    expect(published).toHaveLength(300);
    expect(new Set(published)).toEqual(new Set(ids));
  });
});
