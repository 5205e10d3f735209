import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('flushes items submitted in the same turn together and returns each its own result', async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number, number>(async (items) => {
      calls.push(items);
      return items.map((n) => n * 10);
    });
    const results = await Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('caps the batch size and keeps submission order across batches', async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number, null>(
      async (items) => {
        calls.push(items);
        return items.map(() => null);
      },
      { maxSize: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects every item of a failed batch and goes on with the next', async () => {
    let fail = true;
    const batcher = new Batcher<number, number>(async (items) => {
      if (fail) {
        fail = false;
        throw new Error('store down');
      }
      return items;
    });
    const first = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.submit(3)).resolves.toBe(3);
  });

  it('refuses a flush that returns the wrong number of results', async () => {
    const batcher = new Batcher<number, number>(async () => []);
    await expect(batcher.submit(1)).rejects.toThrow(/0 results for 1 items/);
  });

  it('idle waits for everything submitted', async () => {
    const done: number[] = [];
    const batcher = new Batcher<number, null>(async (items) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      done.push(...items);
      return items.map(() => null);
    });
    void batcher.submit(1);
    void batcher.submit(2);
    await batcher.idle();
    expect(done).toEqual([1, 2]);
  });
});

describe('Batcher under load', () => {
  it('gathers the items that arrive during a flush into the next one', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, null>(async (items) => {
      sizes.push(items.length);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return items.map(() => null);
    });
    const first = batcher.submit(0);
    await new Promise((resolve) => setImmediate(resolve));
    // Ten more arrive one by one while the first flush is running.
    const rest = [];
    for (let i = 1; i <= 10; i++) {
      rest.push(batcher.submit(i));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all([first, ...rest]);
    expect(sizes).toEqual([1, 10]);
  });
});

describe('Batcher with concurrency', () => {
  it('runs up to that many flushes at once', async () => {
    let running = 0;
    let most = 0;
    const batcher = new Batcher<number, null>(
      async (items) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
        return items.map(() => null);
      },
      { maxSize: 1, concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 9 }, (_, i) => batcher.submit(i)));
    expect(most).toBe(3);
  });
});

describe('Batcher isolating failures', () => {
  it('fails only the item the flush refuses, when asked to', async () => {
    const batcher = new Batcher<number, number>(
      async (items) => {
        if (items.includes(13)) throw new Error('13 is refused');
        return items;
      },
      { isolateFailures: true },
    );
    const results = await Promise.allSettled([1, 13, 2].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('isolates the items of a failed batch only for the errors the predicate names', async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        calls.push(items);
        if (items.includes(13)) throw Object.assign(new Error('refused'), { permanent: true });
        if (items.includes(99)) throw new Error('store down');
        return items;
      },
      { isolateFailures: (error) => (error as { permanent?: boolean }).permanent === true },
    );
    const isolated = await Promise.allSettled([1, 13, 2].map((n) => batcher.submit(n)));
    expect(isolated.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls.splice(0)).toEqual([[1, 13, 2], [1], [13], [2]]);
    const outage = await Promise.allSettled([3, 99, 4].map((n) => batcher.submit(n)));
    expect(outage.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toEqual([[3, 99, 4]]);
  });
});
