/**
 * Concurrency slots of one batch run: at most `size` provider calls at once. Items waiting to
 * retry hold no slot (so one failing recipient never blocks the others), and when they want one
 * back they queue ahead of new items: {@link tryTake} never jumps a waiter.
 */
export class Slots {
  #free: number;
  readonly #waiters: { grant: () => void; refuse: (reason: unknown) => void; signal?: AbortSignal; onAbort: () => void }[] = [];

  constructor(
    readonly size: number,
    /** Called when a slot returns to the pool (not handed to a waiter), so a caller can start more work. */
    private readonly onFree: () => void = () => undefined,
  ) {
    this.#free = size;
  }

  /** Slots taken now. */
  get busy(): number {
    return this.size - this.#free;
  }

  /** Takes a slot if one is free and nobody waits for one. */
  tryTake(): boolean {
    if (this.#free === 0 || this.#waiters.length > 0) return false;
    this.#free -= 1;
    return true;
  }

  /** Takes a slot, waiting in line for one; rejects with the signal's reason if it aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryTake()) return Promise.resolve();
    return new Promise<void>((grant, refuse) => {
      const waiter = {
        grant,
        refuse,
        signal,
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          refuse(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Gives a slot back: to the first waiter, else to the pool. */
  give(): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.grant();
      return;
    }
    this.#free = Math.min(this.size, this.#free + 1);
    this.onFree();
  }
}
