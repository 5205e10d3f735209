import { afterEach, describe, expect, it } from 'vitest';
import { readOutbox, startTestMissive, type TestMissive } from '../support/missive.js';
import { spawnMissive, writeConfig, type MissiveProcess } from '../support/process.js';
import { TEST_AMQP_URL, uniquePrefix } from '../support/rabbitmq.js';
import { createTestDatabase, openTestStore } from '../support/stores.js';

describe('a scheduler killed with SIGKILL mid-claim', () => {
  let child: MissiveProcess | undefined;
  let heir: TestMissive | undefined;

  afterEach(async () => {
    child?.kill('SIGKILL');
    await heir?.destroy();
  });

  it('loses nothing: its leases expire and another scheduler delivers the messages', async () => {
    const database = await createTestDatabase('postgres');
    const prefix = uniquePrefix('kill');
    // Longer than the look-ahead (held rows are not re-leased), short enough to wait out.
    const leaseMs = 7_000;
    const store = await openTestStore(database);
    // Messages due 4-5 s from now, inside the child's 6 s look-ahead: it claims and holds them all.
    const base = Date.now() + 4_000;
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const id = `01KILL${String(i).padStart(20, '0')}`;
      const dueAt = base + i * 10;
      await store.insertMessages([
        { id, message: { channel: 'chat', to: '#ops', content: { text: `${i}` }, delivery: { mode: 'scheduled', at: new Date(dueAt).toISOString() } }, status: 'scheduled', dueAt, scheduledAt: dueAt, now: Date.now() },
      ]);
      ids.push(id);
    }
    const config = writeConfig({ scheduler: { lookAheadMs: 6_000, leaseMs } });
    child = spawnMissive(['scheduler'], {
      MISSIVE_CONFIG: config,
      MISSIVE_DATABASE_URL: database.url,
      MISSIVE_AMQP_URL: TEST_AMQP_URL,
      MISSIVE_AMQP_PREFIX: prefix,
    });
    // Claimed: nothing left for anyone else to take.
    await expect.poll(() => store.nextDueAt(Date.now()), { timeout: 15_000, interval: 100 }).toBeUndefined();
    child.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');
    await store.close();

    heir = await startTestMissive('postgres', { database, prefix, config: { scheduler: { leaseMs } } });
    await expect.poll(() => readOutbox(heir!.outboxPath).length, { timeout: 20_000 }).toBe(100);
    expect(new Set(readOutbox(heir.outboxPath).map((line) => line.id))).toEqual(new Set(ids));
  });
});
