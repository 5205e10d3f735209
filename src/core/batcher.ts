/** Options of {@link Batcher}. */
export interface BatcherOptions {
  /** Most items flushed together. Default 500. */
  maxSize?: number;
  /** How long the first item of a batch waits for company, in ms. Default 0 (the next turn of the event loop). */
  maxWaitMs?: number;
  /**
   * Most flushes running at once. Default 1, which keeps writes in submission order; more suits
   * writes that never touch the same rows twice at once (a database with a connection pool
   * then works on several batches while each waits for its commit).
   */
  concurrency?: number;
  /**
   * When a batch fails, flush its items again one by one, so one bad item (a value the database
   * refuses) fails alone instead of failing everything submitted beside it. A function decides
   * by the error: an outage fails every item alike, and retrying each alone would only take
   * longer. Default false.
   */
  isolateFailures?: boolean | ((error: unknown) => boolean);
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups items submitted close together into one call of `flush`, one batch at a time, and gives
 * each caller its own result. This is what lets a store write a thousand concurrent sends in one
 * statement. Written here because DataLoader, the usual library for this, is built around keyed,
 * cached reads; we need ordered writes with a size cap and no caching.
 */
export class Batcher<T, R> {
  readonly #maxSize: number;
  readonly #maxWaitMs: number;
  readonly #concurrency: number;
  readonly #isolateFailures: (error: unknown) => boolean;
  #queue: Pending<T, R>[] = [];
  #scheduled = false;
  /** The flushes in progress. */
  readonly #active = new Set<Promise<void>>();

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    options: BatcherOptions = {},
  ) {
    this.#maxSize = options.maxSize ?? 500;
    this.#maxWaitMs = options.maxWaitMs ?? 0;
    this.#concurrency = options.concurrency ?? 1;
    const isolate = options.isolateFailures ?? false;
    this.#isolateFailures = typeof isolate === 'function' ? isolate : () => isolate;
  }

  /** Queues an item; resolves with its result once its batch is flushed. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once every item submitted so far has been flushed. */
  async idle(): Promise<void> {
    while (this.#queue.length > 0 || this.#active.size > 0) {
      if (this.#active.size === 0) this.#start();
      await Promise.all([...this.#active]);
    }
  }

  /**
   * Starts a flush soon, unless as many as allowed are running: items that arrive meanwhile wait
   * and go together in the next one, so batches grow with the load instead of staying small.
   */
  #schedule(): void {
    if (this.#active.size >= this.#concurrency || this.#scheduled) return;
    if (this.#queue.length >= this.#maxSize) {
      this.#start();
      return;
    }
    this.#scheduled = true;
    const go = () => {
      this.#scheduled = false;
      if (this.#active.size < this.#concurrency) this.#start();
    };
    if (this.#maxWaitMs > 0) setTimeout(go, this.#maxWaitMs);
    else setImmediate(go);
  }

  #start(): void {
    if (this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#maxSize);
    const flush: Promise<void> = this.#run(batch).finally(() => {
      this.#active.delete(flush);
      if (this.#queue.length > 0) this.#start();
    });
    this.#active.add(flush);
  }

  async #run(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.flush(batch.map((pending) => pending.item));
      if (results.length !== batch.length) {
        throw new Error(`batch flush returned ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((pending, index) => pending.resolve(results[index] as R));
    } catch (error) {
      if (batch.length > 1 && this.#isolateFailures(error)) {
        for (const pending of batch) await this.#run([pending]);
        return;
      }
      for (const pending of batch) pending.reject(error);
    }
  }
}
