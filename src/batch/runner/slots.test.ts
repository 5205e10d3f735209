import { describe, expect, it } from 'vitest';
import { Slots } from './slots.js';

describe('Slots', () => {
  it('hands out at most `size` slots and takes them back', () => {
    const slots = new Slots(2);
    expect([slots.tryTake(), slots.tryTake(), slots.tryTake()]).toEqual([true, true, false]);
    expect(slots.busy).toBe(2);
    slots.give();
    expect(slots.busy).toBe(1);
    expect(slots.tryTake()).toBe(true);
  });

  it('gives a returned slot to the first waiter, ahead of new takers', async () => {
    const slots = new Slots(1);
    slots.tryTake();
    const order: string[] = [];
    const first = slots.take().then(() => order.push('first'));
    const second = slots.take().then(() => order.push('second'));
    slots.give();
    // A waiter is in line: a new item may not jump it.
    expect(slots.tryTake()).toBe(false);
    await first;
    slots.give();
    await second;
    expect(order).toEqual(['first', 'second']);
    expect(slots.busy).toBe(1);
  });

  it('tells when a slot returns to the pool, not when it is handed to a waiter', async () => {
    let freed = 0;
    const slots = new Slots(1, () => (freed += 1));
    slots.tryTake();
    const waiting = slots.take();
    slots.give();
    await waiting;
    expect(freed).toBe(0);
    slots.give();
    expect(freed).toBe(1);
  });

  it('drops a waiter whose signal aborts, with the reason', async () => {
    const slots = new Slots(1);
    slots.tryTake();
    const controller = new AbortController();
    const waiting = slots.take(controller.signal);
    controller.abort(new Error('draining'));
    await expect(waiting).rejects.toThrow('draining');
    slots.give();
    expect(slots.busy).toBe(0);
    await expect(slots.take(controller.signal)).rejects.toThrow('draining');
  });
});
