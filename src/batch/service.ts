import type { Clock } from '../core/clock.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { ProviderSet } from '../providers/instances.js';
import { createBatch, type CreateBatchRequest } from './create.js';
import type { RowError } from './recipients/types.js';
import { PROGRESS_BUCKET_MS, rateAsOf, rateWindowStart } from './progress.js';
import { type BatchControl, planControl } from './state.js';
import type { BatchStore } from './store.js';
import type { BatchRecord, ItemStatus } from './types.js';
import { type BatchItemView, batchItemView, type BatchView, batchView } from './view.js';

/** What the batch service needs. */
export interface BatchServiceDeps {
  store: BatchStore;
  /** The configured providers (a batch's provider is resolved at creation). */
  providers: () => Promise<ProviderSet>;
  clock: Clock;
  newId: IdGenerator;
  /** Default concurrency of a batch (setting `batch.concurrency`). */
  defaultConcurrency: number;
}

/** What creating a batch answers: the batch, and the rows skipped with their lines and reasons. */
export interface CreatedBatch {
  batch: BatchView;
  /** Skipped rows in file order (at most 1000; `batch.skipped` counts them all). */
  rowErrors: RowError[];
  rowErrorsTruncated: boolean;
}

/** Filter and page of {@link BatchService.listItems}. */
export interface ItemPageQuery {
  status?: ItemStatus;
  /** Items numbered after this one. */
  after?: number;
  /** Page size; default 100, at most 1000. */
  limit?: number;
}

/** One page of items, and where the next one starts (absent on the last page). */
export interface ItemPage {
  items: BatchItemView[];
  next?: number;
}

/** Most items read per page. */
export const MAX_ITEM_PAGE = 1_000;
/** Tries of a control that keeps losing a race with another process. */
const CONTROL_TRIES = 5;

/**
 * Batches as the CLI and the HTTP API use them: create (streamed), read the status with counts,
 * rate and ETA, pause, resume, cancel, and list items. Every call works from any process at any
 * time; runners follow the changes within a second.
 */
export class BatchService {
  constructor(private readonly deps: BatchServiceDeps) {}

  /** Creates a batch from a template and recipients; throws a ValidationError for bad input. */
  async create(request: CreateBatchRequest): Promise<CreatedBatch> {
    const { store, clock, newId, defaultConcurrency } = this.deps;
    const providers = await this.deps.providers();
    const created = await createBatch(request, { store, providers, clock, newId, defaultConcurrency });
    return {
      batch: await this.get(created.batch.id),
      rowErrors: created.rowErrors,
      rowErrorsTruncated: created.rowErrorsTruncated,
    };
  }

  /** A batch's status with counts, rate and ETA; throws NotFoundError. */
  async get(batchId: string): Promise<BatchView> {
    const now = this.deps.clock.now();
    const read = await this.deps.store.readBatch(batchId, (batch) => rateWindowStart(rateAsOf(batch, now), batch.runningSince) - PROGRESS_BUCKET_MS);
    if (read === undefined || read.batch.status === 'creating') throw new NotFoundError('batch', batchId);
    return batchView(read.batch, read.progress, now);
  }

  /** Pauses a batch: runners stop taking its items, calls in flight finish. */
  pause(batchId: string): Promise<BatchView> {
    return this.#control(batchId, 'pause');
  }

  /** Resumes a paused batch where it left off. */
  resume(batchId: string): Promise<BatchView> {
    return this.#control(batchId, 'resume');
  }

  /** Cancels a batch: no more of its items are sent (calls in flight finish). */
  cancel(batchId: string): Promise<BatchView> {
    return this.#control(batchId, 'cancel');
  }

  /** One page of a batch's items in order; throws NotFoundError. */
  async listItems(batchId: string, query: ItemPageQuery = {}): Promise<ItemPage> {
    await this.#record(batchId);
    const limit = Math.min(Math.max(1, query.limit ?? 100), MAX_ITEM_PAGE);
    const records = await this.deps.store.listItems(batchId, {
      limit,
      ...(query.status !== undefined && { status: query.status }),
      ...(query.after !== undefined && { after: query.after }),
    });
    const items = records.map(batchItemView);
    const last = records.at(-1);
    return records.length === limit && last !== undefined ? { items, next: last.item } : { items };
  }

  /** Every item of a batch (or of one status), read a page at a time so memory stays bounded. */
  async *items(batchId: string, query: { status?: ItemStatus; pageSize?: number } = {}): AsyncGenerator<BatchItemView> {
    let after: number | undefined;
    do {
      const page = await this.listItems(batchId, {
        limit: query.pageSize ?? MAX_ITEM_PAGE,
        ...(query.status !== undefined && { status: query.status }),
        ...(after !== undefined && { after }),
      });
      yield* page.items;
      after = page.next;
    } while (after !== undefined);
  }

  async #control(batchId: string, action: BatchControl): Promise<BatchView> {
    for (let tries = 0; tries < CONTROL_TRIES; tries++) {
      const record = await this.#record(batchId);
      const plan = planControl(action, record);
      if (plan.kind === 'unchanged') return this.get(batchId);
      const moved = await this.deps.store.transition(batchId, record, plan.to, this.deps.clock.now());
      if (moved) return this.get(batchId);
    }
    throw new ConflictError('busy', `cannot ${action} batch ${batchId}: its state keeps changing; try again`);
  }

  async #record(batchId: string): Promise<BatchRecord> {
    const record = await this.deps.store.getBatch(batchId);
    // A batch still being created has no id anyone was told yet.
    if (record === undefined || record.status === 'creating') throw new NotFoundError('batch', batchId);
    return record;
  }
}
