import { Batcher } from '../core/batcher.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PublisherLike } from '../producer/publisher.js';
import { persist } from '../store/persist.js';
import type { DueMessage, MessageStore } from '../store/store.js';

/** Settings of a scheduler (config `scheduler`). */
export interface SchedulerOptions {
  /** Longest time between two looks at the store, in ms. */
  pollIntervalMs: number;
  /** Messages due within this window are claimed early and published by in-process timers. */
  lookAheadMs: number;
  /** How long a claim holds rows against other schedulers, in ms. */
  leaseMs: number;
  /** Most rows claimed at once. */
  chunkSize: number;
  /** The relay deadline given to each message as it is dispatched, in ms. */
  relayAfterMs: number;
}

/** What a scheduler needs. */
export interface SchedulerDeps extends SchedulerOptions {
  store: MessageStore;
  publisher: PublisherLike;
  clock: Clock;
  logger: Logger;
  /** This scheduler's lease owner name; unique per process. */
  owner: string;
  metrics?: Metrics;
}

/**
 * The cron worker. It claims due messages in chunks under a lease (so any number of schedulers
 * share the work and a dead one's rows come back when its lease expires), publishes them through
 * the same path as immediate messages, and also relays immediate messages whose publish was
 * never confirmed. It sleeps until the next due time it knows of (or the poll interval), wakes
 * early when the store announces a sooner message, and holds messages due within the look-ahead
 * window on timers so each goes out at its exact time, never before.
 */
export class Scheduler {
  /** Messages held on timers, by due time, each group by id (a message is held once). */
  readonly #held = new Map<number, { timer: NodeJS.Timeout; messages: Map<string, DueMessage> }>();
  /** The due time each held message is held for. */
  readonly #heldAt = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  #wakeTimer: NodeJS.Timeout | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #unwatch: (() => void) | undefined;
  readonly #moves: Batcher<DueMessage, boolean>;

  constructor(private readonly deps: SchedulerDeps) {
    this.#moves = new Batcher((messages) => this.#move(messages), { maxSize: 250, concurrency: deps.store.parallelWrites });
  }

  /** Starts scheduling; the first look at the store happens at once. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#unwatch = this.deps.store.watchSchedule((dueAt) => this.#onScheduled(dueAt));
    this.#wake(this.deps.clock.now());
  }

  /** Stops: no more claims, held messages are released for others, dispatches in progress finish. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unwatch?.();
    clearTimeout(this.#wakeTimer);
    // A look at the store in progress may still claim rows: wait for it, then give them all back.
    await this.#running;
    const released = [...this.#heldAt.keys()];
    for (const { timer } of this.#held.values()) clearTimeout(timer);
    this.#held.clear();
    this.#heldAt.clear();
    await Promise.allSettled([...this.#inFlight]);
    await this.deps.store.releaseLeases(released, this.deps.owner).catch((error: unknown) => {
      this.deps.logger.warn({ err: (error as Error).message }, 'could not release leases; they expire by themselves');
    });
  }

  /** Number of messages held on timers (look-ahead). */
  get heldCount(): number {
    return this.#heldAt.size;
  }

  #onScheduled(dueAt: number | undefined): void {
    // A message due before the next planned look would be late: look now.
    if (dueAt === undefined || dueAt - this.deps.lookAheadMs < this.#wakeAt) this.#wake(this.deps.clock.now());
  }

  #wake(at: number): void {
    if (this.#stopped || at >= this.#wakeAt) return;
    clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    this.#wakeTimer = setTimeout(() => {
      this.#wakeAt = Number.POSITIVE_INFINITY;
      void this.#tick();
    }, Math.max(0, at - this.deps.clock.now()));
  }

  async #tick(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#look();
    try {
      await this.#running;
    } finally {
      this.#running = undefined;
    }
  }

  async #look(): Promise<void> {
    const { store, clock, logger, owner } = this.deps;
    try {
      do {
        this.#again = false;
        const now = clock.now();
        const claimed = await store.claimDue(owner, now + this.deps.lookAheadMs, now, this.deps.leaseMs, this.deps.chunkSize);
        await this.#take(claimed);
        // A full chunk means more is waiting (a backlog): go on at once, one chunk in memory at a time.
        if (claimed.length === this.deps.chunkSize) this.#again = true;
      } while (this.#again && !this.#stopped);
      const now = clock.now();
      const next = await store.nextDueAt(now);
      const poll = now + this.deps.pollIntervalMs;
      this.#wake(next === undefined ? poll : Math.min(poll, Math.max(now, next - this.deps.lookAheadMs)));
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'scheduler could not reach the store; trying again');
      this.#wake(clock.now() + Math.min(this.deps.pollIntervalMs, 1_000));
    }
  }

  /** Dispatches what is due, and holds the rest on timers until their time. */
  async #take(claimed: readonly DueMessage[]): Promise<void> {
    const now = this.deps.clock.now();
    const due: DueMessage[] = [];
    for (const message of claimed) {
      // Claimed again (its lease ran out while it was held, and this scheduler took it back): it
      // leaves the group it was held in, so that it goes out once.
      this.#unhold(message.id);
      if ((message.dueAt ?? 0) > now) this.#hold(message);
      else due.push(message);
    }
    if (due.length > 0) await this.#track(this.#dispatch(due));
  }

  #hold(message: DueMessage): void {
    const dueAt = message.dueAt ?? 0;
    this.#heldAt.set(message.id, dueAt);
    const group = this.#held.get(dueAt);
    if (group) {
      group.messages.set(message.id, message);
      return;
    }
    const timer = setTimeout(() => this.#fire(dueAt), Math.max(0, dueAt - this.deps.clock.now()));
    this.#held.set(dueAt, { timer, messages: new Map([[message.id, message]]) });
  }

  #unhold(id: string): void {
    const dueAt = this.#heldAt.get(id);
    if (dueAt === undefined) return;
    this.#heldAt.delete(id);
    const group = this.#held.get(dueAt);
    group?.messages.delete(id);
    if (group?.messages.size === 0) {
      clearTimeout(group.timer);
      this.#held.delete(dueAt);
    }
  }

  #fire(dueAt: number): void {
    const group = this.#held.get(dueAt);
    if (!group || this.#stopped) return;
    const early = dueAt - this.deps.clock.now();
    if (early > 0) {
      // Timers may fire a hair early against the wall clock: never publish before the due time.
      group.timer = setTimeout(() => this.#fire(dueAt), early);
      return;
    }
    this.#held.delete(dueAt);
    const messages = [...group.messages.values()];
    for (const message of messages) this.#heldAt.delete(message.id);
    const relays = messages.some((message) => message.status === 'queued');
    void this.#track(relays ? this.#dispatch(messages) : this.#dispatchGroup(dueAt, messages));
  }

  /**
   * Dispatches a held group of scheduled or retrying messages, all due at `dueAt`: one store
   * write for the whole group (found by its due time, ids and this scheduler's lease), then the
   * publishes of exactly the rows it moved.
   */
  async #dispatchGroup(dueAt: number, messages: readonly DueMessage[]): Promise<void> {
    const { store, clock, logger, owner, publisher } = this.deps;
    const now = clock.now();
    const ids = messages.map((message) => message.id);
    let moved: Set<string>;
    try {
      moved = new Set(await persist('dispatch due messages', () => store.beginDispatchDue(owner, dueAt, ids, now, now + this.deps.relayAfterMs), logger));
    } catch (error) {
      logger.warn({ err: (error as Error).message, count: messages.length }, 'could not dispatch; the leases will expire and the messages be claimed again');
      return;
    }
    await Promise.all(
      messages
        .filter((message) => moved.has(message.id))
        .map(async (message) => {
          await publisher.publish({ ...message, status: 'queued' });
          this.deps.metrics?.dispatched(clock.now() - dueAt);
        }),
    );
  }

  async #track(work: Promise<void>): Promise<void> {
    this.#inFlight.add(work);
    try {
      await work;
    } finally {
      this.#inFlight.delete(work);
    }
  }

  /**
   * Moves messages to `queued` (unless cancelled or rescheduled meanwhile) and publishes them.
   * Timers firing close together share one store write, so a steady stream of due times costs a
   * write per batch, not per message.
   */
  async #dispatch(messages: readonly DueMessage[]): Promise<void> {
    const { clock, publisher } = this.deps;
    await Promise.all(
      messages.map(async (message) => {
        if (!(await this.#moves.submit(message))) return;
        await publisher.publish({ ...message, status: 'queued' });
        if (message.status !== 'queued') this.deps.metrics?.dispatched(clock.now() - (message.dueAt ?? clock.now()));
      }),
    );
  }

  async #move(messages: DueMessage[]): Promise<boolean[]> {
    const { store, clock, logger, owner } = this.deps;
    const now = clock.now();
    try {
      const moved = new Set(
        await persist('dispatch due messages', () => store.beginDispatch(messages, owner, now, now + this.deps.relayAfterMs), logger),
      );
      return messages.map((message) => moved.has(message.id));
    } catch (error) {
      logger.warn(
        { err: (error as Error).message, count: messages.length },
        'could not dispatch; the leases will expire and the messages be claimed again',
      );
      return messages.map(() => false);
    }
  }
}
