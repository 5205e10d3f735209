import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { batchServiceFor } from '../../src/batch/role.js';
import { StandInServer } from '../../src/providers/testing/stand-in.js';
import { STORE_KINDS } from '../support/stores.js';
import { pause, Scenario } from './harness.js';
import { recordResult, tally } from './results.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ITEMS = 2_000;

/** A CSV of ITEMS webhook recipients, all on the stand-in. */
function recipients(stand: StandInServer): string {
  const lines = ['to,n'];
  for (let i = 1; i <= ITEMS; i++) lines.push(`${stand.url}/hook,${i}`);
  return `${lines.join('\n')}\n`;
}

/** The idempotency keys (`<batch>:<item>`) the provider accepted, one per accepted call. */
function accepted(stand: StandInServer, ok: Set<number>): string[] {
  return stand.requests.filter((_, index) => ok.has(index)).map((request) => String(request.headers['webhook-id']));
}

describe.each(STORE_KINDS)('batches under faults: %s', (kind) => {
  let scenario: Scenario;
  let stand: StandInServer;
  afterEach(async () => {
    await scenario.cleanup();
    await stand.close();
  });

  async function setUp(name: string, respond: (index: number) => number) {
    const ok = new Set<number>();
    let calls = 0;
    stand = await StandInServer.start(async () => {
      const index = calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const status = respond(index);
      if (status < 300) ok.add(index);
      return { status };
    });
    scenario = await Scenario.create(name, kind, {
      providers: { hooks: { type: 'webhook', secret: SECRET, allowPrivateNetworks: true } },
      batch: { leaseMs: 2_000, chunkSize: 100 },
      delivery: { breaker: { windowSize: 20, minimumCalls: 10, failureThreshold: 0.5, breakMs: 1_000 }, retry: { baseMs: 100, capMs: 500 } },
    });
    const service = batchServiceFor(scenario.runtime);
    const { batch } = await service.create({
      template: { channel: 'webhook', data: { n: '{{ n }}' } },
      concurrency: 16,
      recipients: { format: 'csv', input: Readable.from([recipients(stand)]) },
    });
    return { ok, service, batch };
  }

  async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check()) && Date.now() < deadline) await pause(250);
  }

  it('SIGKILL of a batch runner mid-batch loses nothing', async () => {
    const { ok, service, batch } = await setUp('batch runner SIGKILL ×2 mid-batch (2,000 items)', () => 204);
    const keys = Array.from({ length: ITEMS }, (_, i) => `${batch.id}:${i + 1}`);
    for (let kill = 0; kill < 2; kill++) {
      const runner = await scenario.start('batch runner');
      await waitFor(async () => (await service.get(batch.id)).sent >= (kill + 1) * 500, 60_000);
      await scenario.kill(runner);
    }
    await scenario.start('batch runner');
    await waitFor(async () => (await service.get(batch.id)).status === 'completed', 120_000);
    const counts = tally(keys, accepted(stand, ok));
    recordResult({
      scenario: 'batch runner SIGKILL ×2 mid-batch (2,000 items)',
      store: kind,
      ...counts,
      notes: `\`missive batch runner\` killed twice. ${counts.duplicates} duplicates (bound 2 × 200): items in flight at each kill, and sent items whose outcome was still waiting for its batched write (≤ 10 ms plus the write), are sent again after the lease expires with the same idempotency key (\`webhook-id\`); items recorded sent are never sent again`,
      seconds: (Date.now() - scenario.started) / 1000,
    });
    expect(counts.lost).toBe(0);
    // Per kill: the 16 in flight plus what completed during one batched outcome write (~3,000
    // items/s here, for up to ~50 ms on a busy PostgreSQL).
    expect(counts.duplicates).toBeLessThanOrEqual(2 * 200);
    expect((await service.get(batch.id)).sent).toBe(ITEMS);
  });

  it('a provider outage mid-batch pauses it and loses nothing', async () => {
    let down = false;
    const { ok, service, batch } = await setUp('provider outage mid-batch (2,000 items)', () => (down ? 503 : 204));
    const keys = Array.from({ length: ITEMS }, (_, i) => `${batch.id}:${i + 1}`);
    await scenario.start('batch runner');
    await waitFor(async () => (await service.get(batch.id)).sent >= 600, 60_000);
    down = true;
    await waitFor(async () => (await service.get(batch.id)).status === 'paused', 30_000);
    const paused = await service.get(batch.id);
    await pause(2_000);
    down = false;
    await waitFor(async () => (await service.get(batch.id)).status === 'completed', 120_000);
    const counts = tally(keys, accepted(stand, ok));
    recordResult({
      scenario: 'provider outage mid-batch (2,000 items)',
      store: kind,
      ...counts,
      notes: `the breaker opened and the batch paused (${paused.reason}) with ${paused.failed} items failed and ${paused.pending} pending; it resumed by itself when the provider came back`,
      seconds: (Date.now() - scenario.started) / 1000,
    });
    expect(paused.reason).toBe('circuit_open');
    expect(counts.lost).toBe(0);
    expect(counts.duplicates).toBe(0);
  });
});
