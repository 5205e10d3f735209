import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CompletionTracker } from './tracker.js';

describe('CompletionTracker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('records each message once, counting duplicates and strays apart', () => {
    const tracker = new CompletionTracker(3, Date.now, 10);
    tracker.record(10);
    vi.advanceTimersByTime(5);
    tracker.record(12);
    tracker.record(12);
    tracker.record(9);
    tracker.record(13);
    expect(tracker.handled).toBe(2);
    expect(tracker.duplicates).toBe(1);
    expect(tracker.strays).toBe(2);
    expect(Array.from(tracker.handledAt)).toEqual([1_000, Number.NaN, 1_005]);
    expect(tracker.lastHandledAt).toBe(1_005);
  });

  it('resolves true as soon as the last message is handled', async () => {
    const tracker = new CompletionTracker(2);
    const done = tracker.waitForAll(Date.now() + 10_000);
    tracker.record(0);
    tracker.record(1);
    await expect(done).resolves.toBe(true);
  });

  it('resolves false at the deadline when messages are missing', async () => {
    const tracker = new CompletionTracker(2);
    tracker.record(0);
    const done = tracker.waitForAll(Date.now() + 500);
    await vi.advanceTimersByTimeAsync(500);
    await expect(done).resolves.toBe(false);
  });

  it('resolves at once when already complete', async () => {
    const tracker = new CompletionTracker(0);
    await expect(tracker.waitForAll(0)).resolves.toBe(true);
  });
});
