import { afterEach, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '../support/stores.js';
import { deliveryLateness, pause, Scenario } from './harness.js';

describe.each(STORE_KINDS)('SIGKILL of the scheduler with 10,000 messages scheduled across the next 30 s: %s', (kind) => {
  let scenario: Scenario;
  afterEach(() => scenario.cleanup());

  it('loses nothing: a killed scheduler’s leases expire and its successor dispatches', async () => {
    const leaseMs = 5_000;
    scenario = await Scenario.create('scheduler SIGKILL ×2, 10,000 scheduled over 30 s', kind, { scheduler: { leaseMs } });
    await scenario.start('worker');
    let scheduler = await scenario.start('scheduler');
    const base = Date.now() + 5_000;
    const due = new Map<number, number>();
    await scenario.sendStream(10_000, 5_000, (i) => {
      const at = base + (i * 25_000) / 10_000;
      due.set(i, at);
      return { channel: 'chat', to: '#reliability', text: `scheduled ${i}`, delivery: { mode: 'scheduled', at: new Date(at).toISOString() } };
    });
    for (const wait of [6_000, 8_000]) {
      await pause(wait);
      await scenario.kill(scheduler);
      scheduler = await scenario.start('scheduler');
    }
    await scenario.waitForDeliveries(120_000);
    const lateness = deliveryLateness(scenario.outboxLines());
    const counts = scenario.counts();
    const result = scenario.finish(
      `delivered (outbox time − due time) p50 ${lateness.p50} ms, p99 ${lateness.p99} ms, max ${lateness.max} ms: rows a killed scheduler had leased wait for its ${leaseMs / 1000} s lease to expire; rows it had moved but not published are relayed. ${counts.duplicates} duplicates: a relayed copy of a message already delivered is skipped by the worker`,
    );
    expect(result.accepted).toBe(10_000);
    expect(result.lost).toBe(0);
    // Workers are never killed here, so no copy is ever in two workers' hands at once.
    expect(result.duplicates).toBe(0);
    // A killed scheduler's rows wait for its lease, or for the relay (10 s); nothing waits for ever.
    expect(lateness.max).toBeLessThan(leaseMs + 15_000);
  });
});
