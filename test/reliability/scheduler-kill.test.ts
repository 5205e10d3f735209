import { afterEach, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '../support/stores.js';
import { pause, Scenario } from './harness.js';

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
    const lateness = await latenessOf(scenario);
    const result = scenario.finish(
      `dispatch lateness p50 ${lateness.p50} ms, p99 ${lateness.p99} ms, max ${lateness.max} ms: messages held by a killed scheduler wait for its ${leaseMs / 1000} s lease to expire`,
    );
    expect(result.accepted).toBe(10_000);
    expect(result.lost).toBe(0);
  });
});

async function latenessOf(scenario: Scenario): Promise<{ p50: number; p99: number; max: number }> {
  const store = scenario.runtime.store;
  const late: number[] = [];
  const ids = [...scenario.accepted];
  for (let i = 0; i < ids.length; i += 500) {
    for (const record of await store.getMessages(ids.slice(i, i + 500))) {
      const history = await store.getHistory(record.id);
      const dispatched = history.find((h) => h.event === 'dispatched');
      if (dispatched && record.scheduledAt !== null) late.push(dispatched.at - record.scheduledAt);
    }
  }
  late.sort((a, b) => a - b);
  const at = (q: number) => late[Math.min(late.length - 1, Math.floor(q * late.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: late.at(-1) ?? 0 };
}
