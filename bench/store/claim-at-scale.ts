// The scheduler's claim with many messages held for later: issue 3 asks that 1,000,000 future
// messages not slow it down. Times nextDueAt and claimDue (the scheduler's two reads) on an empty
// store, then with N future messages inserted, on SQLite or PostgreSQL. Prints one JSON object.
//   tsx bench/store/claim-at-scale.ts [--messages 1000000] [--store sqlite|postgres]
import { createIdGenerator } from '../../src/core/ids.js';
import { silentLogger } from '../../src/core/logger.js';
import type { NewMessage } from '../../src/message/types.js';
import { openStore } from '../../src/store/open.js';
import type { MessageStore } from '../../src/store/store.js';
import { benchDatabase, flag } from '../batch/harness.js';

const count = Number(flag('messages', '1000000'));
const store = flag('store', 'sqlite') as 'sqlite' | 'postgres';
const newId = createIdGenerator();
const now = Date.now();

async function timeClaims(messages: MessageStore, label: string): Promise<Record<string, number>> {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    await messages.nextDueAt(now);
    // Nothing is due: the claim finds nothing, as on almost every poll of a real scheduler.
    await messages.claimDue(`bench-${i}`, now + 2_000, now, 30_000, 500);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { [`${label} poll median ms`]: Number((samples[10] ?? 0).toFixed(2)), [`${label} poll max ms`]: Number((samples.at(-1) ?? 0).toFixed(2)) };
}

const database = benchDatabase(store);
const messages = openStore(database.url, { newId, logger: silentLogger });
try {
  await messages.migrate();
  const empty = await timeClaims(messages, 'empty');
  const started = performance.now();
  for (let done = 0; done < count; done += 1_000) {
    await messages.insertMessages(
      Array.from({ length: Math.min(1_000, count - done) }, (_, i) => {
        const dueAt = now + 3_600_000 + (done + i) * 10;
        const message: NewMessage = { channel: 'chat', to: '#later', content: { text: 'later' }, delivery: { mode: 'scheduled', at: new Date(dueAt).toISOString() } };
        return { id: newId(), message, status: 'scheduled' as const, dueAt, scheduledAt: dueAt, now };
      }),
    );
  }
  const insertSeconds = (performance.now() - started) / 1000;
  const full = await timeClaims(messages, 'held');
  process.stdout.write(`${JSON.stringify({ benchmark: 'claim-at-scale', store, messages: count, insertSeconds: Number(insertSeconds.toFixed(1)), ...empty, ...full })}\n`);
} finally {
  await messages.close();
  await database.drop();
}
