import { describe, expect, it } from 'vitest';
import { InMemorySystem } from '../systems/in-memory.js';
import type { BenchMessage } from '../systems/system.js';
import { fill, makePayload, sendBounded } from './enqueue.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('sendBounded', () => {
  it('sends every index once and never has more than the limit pending', async () => {
    let pending = 0;
    let peak = 0;
    const sent: number[] = [];
    const issued = await sendBounded(50, 7, async (index) => {
      pending += 1;
      peak = Math.max(peak, pending);
      await tick();
      sent.push(index);
      pending -= 1;
    });
    expect(issued).toBe(50);
    expect(peak).toBe(7);
    expect([...sent].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('stops issuing once asked to', async () => {
    let calls = 0;
    const issued = await sendBounded(
      100,
      2,
      async () => {
        calls += 1;
        await tick();
      },
      () => calls >= 10,
    );
    expect(issued).toBe(10);
    expect(calls).toBe(10);
  });

  it('rethrows the first failure and stops issuing', async () => {
    let calls = 0;
    await expect(
      sendBounded(100, 3, async (index) => {
        calls += 1;
        await tick();
        if (index === 4) throw new Error('broker said no');
      }),
    ).rejects.toThrow('broker said no');
    expect(calls).toBeLessThan(10);
  });
});

describe('fill', () => {
  const build = (index: number): BenchMessage => ({ seq: index, dueAt: null, payload: 'x' });

  it('uses sendMany in chunks when the system has it', async () => {
    const chunks: number[] = [];
    const system = Object.assign(new InMemorySystem(), {
      sendMany: async (messages: readonly BenchMessage[]): Promise<void> => {
        chunks.push(messages.length);
      },
    });
    await fill(system, 2500, 100, build);
    expect(chunks).toEqual([1000, 1000, 500]);
    expect(system.accepted).toBe(0);
  });

  it('falls back to send', async () => {
    const system = new InMemorySystem();
    await fill(system, 250, 100, build);
    expect(system.accepted).toBe(250);
  });
});

describe('makePayload', () => {
  it('sizes the serialized message close to the asked size', () => {
    const size = JSON.stringify({ seq: 4321, dueAt: 1_760_000_000_000, payload: makePayload(300) }).length;
    expect(Math.abs(size - 300)).toBeLessThanOrEqual(3);
    expect(makePayload(10)).toBe('');
  });
});
