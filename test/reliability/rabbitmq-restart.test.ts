import { afterEach, describe, expect, it } from 'vitest';
import { message, pause, run, Scenario } from './harness.js';

describe('RabbitMQ stopped and started while producers send', () => {
  let scenario: Scenario;
  afterEach(async () => {
    await run('rabbitmqctl', ['-q', 'start_app']).catch(() => undefined);
    await scenario.cleanup();
  });

  it('loses nothing: sends during the outage are stored and relayed', async () => {
    scenario = await Scenario.create('RabbitMQ stop_app / start_app while clients POST to `serve`', 'sqlite', { scheduler: { relayAfterMs: 3_000 } });
    const api = scenario.apiOf(await scenario.start('serve'));
    await scenario.start('worker');
    await scenario.start('scheduler');
    const sending = scenario.sendStreamOverHttp(api, 2_000, 250, message);
    await pause(2_000);
    await run('rabbitmqctl', ['-q', 'stop_app']);
    await pause(3_000);
    await run('rabbitmqctl', ['-q', 'start_app']);
    await sending;
    await scenario.waitForDeliveries(120_000);
    const counts = scenario.counts();
    const result = scenario.finish(
      `${scenario.rejectedSends} requests refused (the API answers 202 once the message is stored, and the scheduler relays it when the broker is back). ${counts.duplicates} duplicates: the deliveries a worker had in hand when the broker went away (at most its prefetch, 100) are redelivered; a copy reaches the provider again only when it arrives while the first attempt is still running`,
    );
    expect(result.accepted).toBe(2_000);
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBeLessThanOrEqual(100);
  });
});
