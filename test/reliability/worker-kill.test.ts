import { afterEach, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '../support/stores.js';
import { message, pause, Scenario } from './harness.js';

describe.each(STORE_KINDS)('SIGKILL of a worker three times during a 5,000-message stream: %s', (kind) => {
  let scenario: Scenario;
  afterEach(() => scenario.cleanup());

  it('loses nothing', async () => {
    scenario = await Scenario.create('worker SIGKILL ×3 during 5,000 messages', kind, { worker: { prefetch: 100 } });
    await scenario.start('scheduler');
    let worker = await scenario.start('worker');
    const sending = scenario.sendStream(5_000, 800, message);
    for (let kill = 0; kill < 3; kill++) {
      await pause(1_500);
      await scenario.kill(worker);
      worker = await scenario.start('worker');
    }
    await sending;
    await scenario.waitForDeliveries(120_000);
    const counts = scenario.counts();
    const result = scenario.finish(
      `${counts.duplicates} duplicates (bound: 3 kills × the prefetch of 100): each kill drops the deliveries in hand; RabbitMQ redelivers them, and those already sent but not yet recorded are sent again`,
    );
    expect(result.accepted).toBe(5_000);
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBeLessThanOrEqual(3 * 100);
  });
});
