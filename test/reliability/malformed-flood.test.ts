import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/message/channels.js';
import { message, Scenario } from './harness.js';

/** Things that are not Missive messages, of every kind a confused publisher might send. */
function garbage(i: number): Buffer {
  switch (i % 5) {
    case 0:
      return randomBytes(1 + (i % 200));
    case 1:
      return Buffer.from('{"v":1,"id":');
    case 2:
      return Buffer.from(JSON.stringify({ v: 1, id: `forged-${i}`, channel: 'chat', to: '#x', content: { text: 'x' }, delivery: { mode: 'immediate' } }));
    case 3:
      return Buffer.from(JSON.stringify({ hello: 'world', i }));
    default:
      return Buffer.from(JSON.stringify([1, 2, 3]));
  }
}

describe('a flood of malformed messages published straight into the queues', () => {
  let scenario: Scenario;
  afterEach(() => scenario.cleanup());

  it('dead-letters every one, never crashes or loops, and delivers the real messages', async () => {
    scenario = await Scenario.create('2,000 malformed messages among 1,000 real ones', 'sqlite');
    const worker = await scenario.start('start');
    const broker = await scenario.runtime.broker();
    const flooding = (async () => {
      for (let i = 0; i < 2_000; i++) {
        await broker.publish(CHANNELS[i % CHANNELS.length]!, garbage(i), { messageId: `junk-${i}` });
      }
    })();
    await Promise.all([flooding, scenario.sendStream(1_000, 500, message)]);
    await scenario.waitForDeliveries(60_000);
    const deadline = Date.now() + 30_000;
    while ((await broker.queueDepth('dead-letter')) < 2_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const deadLetters = await broker.queueDepth('dead-letter');
    const result = scenario.finish(`all 2,000 malformed messages dead-lettered with a reason (${deadLetters} in the dead-letter queue); the worker process never restarted`);
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBe(0);
    expect(deadLetters).toBe(2_000);
    expect(worker.child.exitCode).toBeNull();
    for (const channel of CHANNELS) expect(await broker.queueDepth(channel)).toBe(0);
  });
});
