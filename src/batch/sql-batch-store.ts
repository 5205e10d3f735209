import { sql } from 'kysely';
import type { SqlContext, SqlDialect } from '../store/dialect.js';
import { SqlBatchItems } from './sql-batch-items.js';
import type {
  BatchProgressRead,
  BatchState,
  BatchStore,
  BatchTarget,
  ClaimOptions,
  ItemOutcome,
  ItemQuery,
  NewBatch,
  NewItem,
} from './store.js';
import { type BatchDatabase, type BatchesTable, type BatchTables, toBatchRecord } from './tables.js';
import { type BatchItemRecord, type BatchRecord, type ClaimedItem, FINAL_BATCH_STATUSES } from './types.js';

/**
 * The batch store over the process's shared SQL database (SQLite or PostgreSQL): the batch rows
 * here, the items in {@link SqlBatchItems}. Every status change is conditional on the state the
 * caller read, so processes racing on one batch never overwrite each other's decisions.
 */
export class SqlBatchStore implements BatchStore {
  private readonly db: BatchDatabase;
  private readonly items: SqlBatchItems;
  private readonly dialect: SqlDialect;

  constructor(context: SqlContext) {
    this.db = context.db.withTables<BatchTables>();
    this.dialect = context.dialect;
    this.items = new SqlBatchItems(this.db, context.dialect);
  }

  async insertBatch(batch: NewBatch): Promise<void> {
    await this.db
      .insertInto('batches')
      .values({
        id: batch.id,
        status: 'creating',
        reason: null,
        channel: batch.channel,
        provider: batch.provider,
        template: JSON.stringify(batch.template),
        concurrency: batch.concurrency,
        auto_resume: batch.autoResume ? 1 : 0,
        start_at: batch.startAt,
        total: 0,
        skipped: 0,
        sent: 0,
        failed: 0,
        created_at: batch.now,
        updated_at: batch.now,
      })
      .execute();
  }

  insertItems(batchId: string, items: readonly NewItem[], now: number): Promise<void> {
    return this.items.insert(batchId, items, now);
  }

  async finishCreating(batchId: string, totals: { total: number; skipped: number }, now: number): Promise<BatchRecord> {
    // Durable, and with it every item inserted before: the caller is told the batch is stored.
    const row = await this.dialect.durably(this.db, (db) =>
      db
        .updateTable('batches')
        .set({ status: 'pending', total: totals.total, skipped: totals.skipped, updated_at: now })
        .where('id', '=', batchId)
        .where('status', '=', 'creating')
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw new Error(`batch ${batchId} was not being created (deleted as abandoned?)`);
    return toBatchRecord(row);
  }

  async deleteBatch(batchId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('batch_items').where('batch_id', '=', batchId).execute();
      await trx.deleteFrom('batch_progress').where('batch_id', '=', batchId).execute();
      await trx.deleteFrom('batches').where('id', '=', batchId).execute();
    });
  }

  async deleteAbandoned(before: number): Promise<number> {
    const abandoned = await this.db
      .selectFrom('batches')
      .select('id')
      .where('status', '=', 'creating')
      .where('updated_at', '<', before)
      .execute();
    for (const { id } of abandoned) await this.deleteBatch(id);
    return abandoned.length;
  }

  async getBatch(batchId: string): Promise<BatchRecord | undefined> {
    const row = await this.db.selectFrom('batches').selectAll().where('id', '=', batchId).executeTakeFirst();
    return row ? toBatchRecord(row) : undefined;
  }

  async readBatch(
    batchId: string,
    since: (batch: BatchRecord) => number,
  ): Promise<{ batch: BatchRecord; progress: BatchProgressRead } | undefined> {
    // Repeatable read on PostgreSQL (SQLite's read transaction is a snapshot already): an outcome
    // committed between the reads would otherwise be counted neither as sending nor as sent.
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const row = await trx.selectFrom('batches').selectAll().where('id', '=', batchId).executeTakeFirst();
        if (!row) return undefined;
        const batch = toBatchRecord(row);
        const sending = await trx
          .selectFrom('batch_items')
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .where('batch_id', '=', batchId)
          .where('status', '=', 'sending')
          .executeTakeFirst();
        const buckets = await trx
          .selectFrom('batch_progress')
          .select(['bucket', 'done'])
          .where('batch_id', '=', batchId)
          .where('bucket', '>=', since(batch))
          .orderBy('bucket')
          .execute();
        const progress = {
          sending: Number(sending?.count ?? 0),
          buckets: buckets.map((bucket) => ({ start: Number(bucket.bucket), done: Number(bucket.done) })),
        };
        return { batch, progress };
      });
  }

  async pruneProgress(batchId: string, before: number): Promise<void> {
    await this.db.deleteFrom('batch_progress').where('batch_id', '=', batchId).where('bucket', '<', before).execute();
  }

  async transition(batchId: string, from: BatchState, to: BatchTarget, now: number): Promise<BatchRecord | undefined> {
    const set: Partial<BatchesTable> = { status: to.status, reason: to.reason, resume_at: to.resumeAt ?? null, updated_at: now };
    if (FINAL_BATCH_STATUSES.includes(to.status)) set.finished_at = now;
    // Durable: a pause or cancel the caller was told about must not come undone.
    const row = await this.dialect.durably(this.db, (db) => {
      let update = db.updateTable('batches').set(set);
      if (to.status === 'running') {
        update = update.set({ running_since: now, started_at: sql<number>`COALESCE(started_at, ${now})` });
      }
      let query = update.where('id', '=', batchId).where('status', '=', from.status);
      query = from.reason === null ? query.where('reason', 'is', null) : query.where('reason', '=', from.reason);
      return query.returningAll().executeTakeFirst();
    });
    return row ? toBatchRecord(row) : undefined;
  }

  async startIfDue(batchId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('batches')
      .set({ status: 'running', started_at: sql<number>`COALESCE(started_at, ${now})`, running_since: now, updated_at: now })
      .where('id', '=', batchId)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('start_at', 'is', null), eb('start_at', '<=', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async completeIfDone(batchId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('batches')
      .set({ status: 'completed', reason: null, resume_at: null, finished_at: now, updated_at: now })
      .where('id', '=', batchId)
      .where('status', '=', 'running')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('batch_items')
              .select('item')
              .where('batch_items.batch_id', '=', batchId)
              .where('batch_items.status', 'in', ['pending', 'sending']),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async takeProbe(batchId: string, now: number, holdUntil: number): Promise<boolean> {
    const result = await this.db
      .updateTable('batches')
      .set({ resume_at: holdUntil })
      .where('id', '=', batchId)
      .where('status', '=', 'paused')
      .where('reason', '=', 'circuit_open')
      .where('resume_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deferProbe(batchId: string, resumeAt: number, now: number): Promise<void> {
    await this.db
      .updateTable('batches')
      .set({ resume_at: resumeAt, updated_at: now })
      .where('id', '=', batchId)
      .where('status', '=', 'paused')
      .where('reason', '=', 'circuit_open')
      .execute();
  }

  async probeNow(provider: string, now: number): Promise<void> {
    await this.db
      .updateTable('batches')
      .set({ resume_at: now })
      .where('status', '=', 'paused')
      .where('reason', '=', 'circuit_open')
      .where('provider', '=', provider)
      .where('auto_resume', '=', 1)
      .execute();
  }

  async findRunnable(now: number, limit: number): Promise<BatchRecord[]> {
    const rows = await this.db
      .selectFrom('batches')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('status', '=', 'running'),
          eb.and([eb('status', '=', 'pending'), eb.or([eb('start_at', 'is', null), eb('start_at', '<=', now)])]),
          eb.and([
            eb('status', '=', 'paused'),
            eb('reason', '=', 'circuit_open'),
            eb('auto_resume', '=', 1),
            eb('resume_at', '<=', now),
          ]),
        ]),
      )
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toBatchRecord);
  }

  claimItems(batchId: string, options: ClaimOptions): Promise<ClaimedItem[]> {
    return this.items.claim(batchId, options);
  }

  renewLeases(batchId: string, owner: string, until: number): Promise<void> {
    return this.items.renew(batchId, owner, until);
  }

  recordOutcomes(batchId: string, owner: string, outcomes: readonly ItemOutcome[], now: number): Promise<boolean[]> {
    return this.items.record(batchId, owner, outcomes, now);
  }

  listItems(batchId: string, query: ItemQuery): Promise<BatchItemRecord[]> {
    return this.items.list(batchId, query);
  }
}
