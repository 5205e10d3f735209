import type { ErrorInfo } from '../message/types.js';
import type { Channel } from '../message/channels.js';
import type { Template } from './template/template.js';
import type {
  BatchItemRecord,
  BatchRecord,
  BatchStatus,
  ClaimedItem,
  ItemMessage,
  ItemStatus,
  PauseReason,
  StoredBatchStatus,
} from './types.js';

/** A batch to insert, under status `creating` until its items are in. */
export interface NewBatch {
  id: string;
  channel: Channel;
  provider: string;
  template: Template;
  concurrency: number;
  autoResume: boolean;
  startAt: number | null;
  now: number;
}

/** One good row, rendered, to insert. */
export interface NewItem {
  item: number;
  line: number;
  to: string;
  message: ItemMessage;
}

/** How one claimed item ended, to record. */
export type ItemOutcome =
  | { item: number; kind: 'sent'; attempts: number; providerMessageId: string; at: number }
  | { item: number; kind: 'failed'; attempts: number; error: ErrorInfo; at: number }
  /** Given back untouched (pause, circuit open, shutdown): `pending` again, attempts not counted. */
  | { item: number; kind: 'released' };

/** A batch's status and reason as read, which a conditional change must still find. */
export interface BatchState {
  status: StoredBatchStatus;
  reason: PauseReason | null;
}

/** The state a conditional change moves a batch to. */
export interface BatchTarget {
  status: BatchStatus;
  reason: PauseReason | null;
  /** Set while paused with `circuit_open`: when a probe may be made. */
  resumeAt?: number | null;
}

/** Filter and page of an item listing. */
export interface ItemQuery {
  status?: ItemStatus;
  /** Items numbered after this one. */
  after?: number;
  limit: number;
}

/** What the rate and the `sending` count are read from. */
export interface BatchProgressRead {
  /** Items claimed by a runner and not yet recorded. */
  sending: number;
  /** Items finished per time bucket (start of bucket, ms), for buckets starting at or after `since`. */
  buckets: { start: number; done: number }[];
}

/** Options of {@link BatchStore.claimItems}. */
export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
  /**
   * Also take over `sending` items whose lease expired (default true). A run asks now and then
   * rather than every time: on PostgreSQL the look walks index entries of every item ever sent.
   */
  takeOver?: boolean;
  /**
   * Pending items numbered after this one only (a run's cursor: it claimed those before). Lets
   * the claim start where the last one ended instead of walking past every item already done
   * (on PostgreSQL, dead index entries of items since sent). Default from the first.
   */
  after?: number;
  /**
   * Claim only while the batch is `running` (default). False for the circuit probe, which claims
   * one item of a batch still paused.
   */
  onlyWhileRunning?: boolean;
}

/**
 * Everything Missive keeps about batches, over the same database as the messages. Writes that
 * take arrays do their work in one transaction, so callers batch.
 */
export interface BatchStore {
  /** Inserts a batch under status `creating`. */
  insertBatch(batch: NewBatch): Promise<void>;
  /** Inserts items of a batch being created (one statement per call). */
  insertItems(batchId: string, items: readonly NewItem[], now: number): Promise<void>;
  /** Ends a creation: `creating` becomes `pending` with its totals. */
  finishCreating(batchId: string, totals: { total: number; skipped: number }, now: number): Promise<BatchRecord>;
  /** Deletes a batch, its items and its progress (a refused or abandoned creation). */
  deleteBatch(batchId: string): Promise<void>;
  /** Deletes creations abandoned by a process that died: `creating` and untouched since `before`. */
  deleteAbandoned(before: number): Promise<number>;

  getBatch(batchId: string): Promise<BatchRecord | undefined>;
  /**
   * A batch with its live `sending` count and its progress buckets from `since(batch)` on, read
   * from one snapshot, so the counters and the `sending` count always add up.
   */
  readBatch(batchId: string, since: (batch: BatchRecord) => number): Promise<{ batch: BatchRecord; progress: BatchProgressRead } | undefined>;
  /** Forgets progress buckets older than `before` (they no longer count for the rate). */
  pruneProgress(batchId: string, before: number): Promise<void>;

  /**
   * Moves a batch from exactly `from` to `to`; returns the new record, or undefined when the
   * batch was no longer in `from` (someone else changed it first). Becoming `running` stamps
   * `runningSince` (and `startedAt` the first time); becoming final stamps `finishedAt`.
   */
  transition(batchId: string, from: BatchState, to: BatchTarget, now: number): Promise<BatchRecord | undefined>;
  /** `pending` becomes `running` once its start time has come; true when it did. */
  startIfDue(batchId: string, now: number): Promise<boolean>;
  /** `running` becomes `completed` when no item is pending or sending; true when it did. */
  completeIfDone(batchId: string, now: number): Promise<boolean>;
  /**
   * Takes the right to probe a batch paused with `circuit_open` whose probe time has come, by
   * moving that time to `holdUntil`; true for the one caller that got it.
   */
  takeProbe(batchId: string, now: number, holdUntil: number): Promise<boolean>;
  /** Sets when a batch paused with `circuit_open` may next be probed (after a failed probe). */
  deferProbe(batchId: string, resumeAt: number, now: number): Promise<void>;
  /** Makes every auto-resuming batch paused by `provider`'s open circuit due for its probe now (it closed). */
  probeNow(provider: string, now: number): Promise<void>;
  /**
   * Batches a runner should work on now: running ones, pending ones whose start time has come,
   * and auto-resuming ones paused with `circuit_open` whose probe time has come. Oldest first.
   */
  findRunnable(now: number, limit: number): Promise<BatchRecord[]>;

  /**
   * Leases up to `limit` items in order: first items whose runner's lease expired while it held
   * them (`sending`; unless `takeOver` is false), then `pending` ones. They become `sending`,
   * owned by `owner`.
   */
  claimItems(batchId: string, options: ClaimOptions): Promise<ClaimedItem[]>;
  /** Extends `owner`'s leases on the batch's items it holds. */
  renewLeases(batchId: string, owner: string, until: number): Promise<void>;
  /**
   * Records outcomes and the batch's counters. `sent` is recorded whoever holds the item now
   * (it was sent); `failed` and `released` only while `owner` still holds it. Returns, per
   * outcome, whether it was applied.
   */
  recordOutcomes(batchId: string, owner: string, outcomes: readonly ItemOutcome[], now: number): Promise<boolean[]>;
  /** A page of items in order. */
  listItems(batchId: string, query: ItemQuery): Promise<BatchItemRecord[]>;
}
