import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOutbox, startTestMissive, type TestMissive } from '../support/missive.js';

describe('several schedulers on PostgreSQL', () => {
  const running: TestMissive[] = [];

  afterEach(async () => {
    const all = running.splice(0);
    for (const missive of all.slice(1).reverse()) await missive.stop();
    await all[0]?.destroy();
  });

  it('dispatch every message exactly once between them', async () => {
    const outbox = join(mkdtempSync(join(tmpdir(), 'missive-shared-')), 'outbox.jsonl');
    const config = { providers: { inbox: { type: 'outbox', path: outbox } }, scheduler: { chunkSize: 50, lookAheadMs: 300 } };
    const first = await startTestMissive('postgres', { config });
    running.push(first);
    for (let i = 0; i < 2; i++) {
      running.push(await startTestMissive('postgres', { config, database: first.database, prefix: first.prefix }));
    }
    const producer = await first.runtime.producer();
    const base = Date.now() + 500;
    const sends = Array.from({ length: 300 }, (_, i) =>
      producer.send({ channel: 'chat', to: '#ops', text: `${i}`, delivery: { mode: 'scheduled', at: new Date(base + (i % 30) * 50).toISOString() } }),
    );
    const ids = (await Promise.all(sends)).map((r) => r.id);
    await expect.poll(() => readOutbox(outbox).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(300);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const delivered = readOutbox(outbox).map((line) => line.id);
    expect(delivered).toHaveLength(300);
    expect(new Set(delivered)).toEqual(new Set(ids));
    const dispatchedBy = new Set<string>();
    for (const id of ids.slice(0, 30)) {
      const history = await first.runtime.store.getHistory(id);
      expect(history.filter((h) => h.event === 'dispatched')).toHaveLength(1);
      dispatchedBy.add(id);
    }
  });
});
