/** Records when each message of one measured batch was handled, and waits for the batch. */
export class CompletionTracker {
  /** Handling time (epoch ms) of each message, NaN until handled. Index = seq − firstSeq. */
  readonly handledAt: Float64Array;
  /** Distinct messages handled so far. */
  handled = 0;
  /** Messages handled a second time (at-least-once delivery showing through). */
  duplicates = 0;
  /** Messages outside this batch, e.g. late warm-up messages; ignored. */
  strays = 0;
  /** When the latest distinct message was handled (epoch ms), 0 before the first. */
  lastHandledAt = 0;
  private waiter: (() => void) | undefined;

  constructor(
    readonly count: number,
    private readonly now: () => number = Date.now,
    readonly firstSeq = 0,
  ) {
    this.handledAt = new Float64Array(count).fill(Number.NaN);
  }

  /** The handler body: notes that message `seq` was handled now. */
  readonly record = (seq: number): void => {
    const index = seq - this.firstSeq;
    if (!(index >= 0 && index < this.count)) {
      this.strays += 1;
      return;
    }
    if (!Number.isNaN(this.handledAt[index] as number)) {
      this.duplicates += 1;
      return;
    }
    const at = this.now();
    this.handledAt[index] = at;
    this.handled += 1;
    this.lastHandledAt = at;
    if (this.handled === this.count) this.waiter?.();
  };

  /** Whether every message of the batch has been handled. */
  get complete(): boolean {
    return this.handled === this.count;
  }

  /** Resolves true once every message is handled, or false at `deadline` (epoch ms). */
  waitForAll(deadline: number): Promise<boolean> {
    if (this.complete) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.waiter = undefined;
          resolve(this.complete);
        },
        Math.max(0, deadline - this.now()),
      );
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(true);
      };
    });
  }
}
