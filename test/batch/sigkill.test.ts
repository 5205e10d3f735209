import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { StandInServer } from '../../src/providers/testing/stand-in.js';
import { spawnMissive, writeConfig } from '../support/process.js';
import { STORE_KINDS } from '../support/stores.js';
import type { MissiveProcess } from '../support/process.js';
import { type BatchHarness, openBatchHarness, waitForBatch } from './support.js';

/** The real `missive` command, quiet but for warnings. */
const spawnBatchCli = (args: readonly string[], env: Record<string, string>): MissiveProcess =>
  spawnMissive(args, { MISSIVE_LOG_LEVEL: 'warn', ...env });

const ITEMS = 120;

/** Recipients: one webhook target per item on the stand-in, which answers after 150 ms. */
function recipients(stand: StandInServer): string {
  const lines = ['to,n'];
  for (let i = 1; i <= ITEMS; i++) lines.push(`${stand.url}/hook/${i},${i}`);
  return `${lines.join('\n')}\n`;
}

/** How many requests the stand-in received per idempotency key (the `webhook-id` header). */
function countByKey(stand: StandInServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of stand.requests) {
    const key = String(request.headers['webhook-id']);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe.each(STORE_KINDS)('a batch runner killed with SIGKILL (%s)', (kind) => {
  let child: MissiveProcess | undefined;
  let harness: BatchHarness | undefined;
  let stand: StandInServer | undefined;

  afterEach(async () => {
    child?.kill('SIGKILL');
    await harness?.destroy();
    await stand?.close();
  });

  it('loses nothing: a restarted runner never resends what was sent, and resends in-flight items with the same key', async () => {
    stand = await StandInServer.start(async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return { status: 204 };
    });
    const config = {
      providers: { hooks: { type: 'webhook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', allowPrivateNetworks: true } },
      batch: { leaseMs: 1_500, chunkSize: 20 },
      log: { level: 'warn' },
    };
    harness = await openBatchHarness(kind, { config });
    const template = { channel: 'webhook', data: { n: '{{ n }}' } };
    const { batch } = await harness.service.create({ template, concurrency: 6, recipients: { format: 'csv', input: Readable.from([recipients(stand)]) } });

    child = spawnBatchCli(['batch', 'run', batch.id], { MISSIVE_CONFIG: writeConfig(config), MISSIVE_DATABASE_URL: harness.database.url });
    await waitForBatch(harness.service, batch.id, (view) => view.sent >= 30, 20_000);
    child.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');

    const atKill = [];
    for await (const item of harness.service.items(batch.id)) atKill.push(item);
    const sentBeforeKill = atKill.filter((item) => item.status === 'sent').map((item) => item.idempotencyKey);
    const inFlight = atKill.filter((item) => item.status === 'sending').map((item) => item.idempotencyKey);
    expect(inFlight.length).toBeGreaterThan(0);
    const requestsBeforeRestart = countByKey(stand);

    (await harness.runner()).start();
    const done = await waitForBatch(harness.service, batch.id, (view) => view.status === 'completed', 20_000);
    expect(done).toMatchObject({ sent: ITEMS, failed: 0 });

    const counts = countByKey(stand);
    expect(counts.size).toBe(ITEMS);
    for (const key of sentBeforeKill) expect(counts.get(key), key).toBe(1);
    // Items in flight at the kill (received or not) are sent again after the restart, same key.
    for (const key of inFlight) expect(counts.get(key) ?? 0, key).toBeGreaterThan(requestsBeforeRestart.get(key) ?? 0);
    const twice = [...counts].filter(([, count]) => count > 1).map(([key]) => key);
    expect(twice.length).toBeGreaterThan(0); // calls the provider had received when the runner died
    expect(twice.every((key) => inFlight.includes(key))).toBe(true);
    expect([...counts.keys()].every((key) => key.startsWith(`${batch.id}:`))).toBe(true);
  });
});
