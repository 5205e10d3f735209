import { sql } from 'kysely';
import type { ColumnSpec, SqlDialect } from '../store/dialect.js';
import { bucketOf } from './progress.js';
import type { ClaimOptions, ItemOutcome, ItemQuery, NewItem } from './store.js';
import { type BatchDatabase, toItemRecord } from './tables.js';
import type { BatchItemRecord, ClaimedItem, ItemMessage } from './types.js';

const ITEM_COLUMNS: readonly ColumnSpec[] = [
  { name: 'batch_id', type: 'text' },
  { name: 'item', type: 'integer' },
  { name: 'line', type: 'integer' },
  { name: 'status', type: 'text' },
  { name: 'recipient', type: 'text' },
  { name: 'message', type: 'text' },
];

// Outcome rows carry their batch id: joined on (batch_id, item) from the row source, SQLite's
// planner reads the rows first and seeks each item, instead of scanning the batch's items for each.
const SENT_COLUMNS: readonly ColumnSpec[] = [
  { name: 'batch_id', type: 'text' },
  { name: 'item', type: 'integer' },
  { name: 'attempts', type: 'integer' },
  { name: 'provider_message_id', type: 'text' },
  { name: 'at', type: 'bigint' },
];

const FAILED_COLUMNS: readonly ColumnSpec[] = [
  { name: 'batch_id', type: 'text' },
  { name: 'item', type: 'integer' },
  { name: 'attempts', type: 'integer' },
  { name: 'last_error', type: 'text' },
  { name: 'at', type: 'bigint' },
];

type ClaimedRow = { item: number; recipient: string; message: string };

/**
 * The item half of the SQL batch store: bulk inserts, leased claims in item order, and outcome
 * writes that keep the batch's counters and progress buckets in the same transaction.
 */
export class SqlBatchItems {
  constructor(
    private readonly db: BatchDatabase,
    private readonly dialect: SqlDialect,
  ) {}

  async insert(batchId: string, items: readonly NewItem[], now: number): Promise<void> {
    if (items.length === 0) return;
    const rows = items.map((item) => ({
      batch_id: batchId,
      item: item.item,
      line: item.line,
      status: 'pending',
      recipient: item.to,
      message: JSON.stringify(item.message),
    }));
    const columns = sql.raw(ITEM_COLUMNS.map((c) => c.name).join(', '));
    await this.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO batch_items (${columns}) SELECT ${columns} FROM ${this.dialect.jsonRows(rows, ITEM_COLUMNS)}`.execute(trx);
      // Touched so that a creation still streaming is never taken for an abandoned one.
      await trx.updateTable('batches').set({ updated_at: now }).where('id', '=', batchId).execute();
    });
  }

  async claim(batchId: string, options: ClaimOptions): Promise<ClaimedItem[]> {
    const { now, limit } = options;
    // Two statements, so each reads one range of the (batch_id, status, item) index in order:
    // an OR of both would sort every pending item to find the first few.
    const expired =
      options.takeOver === false ? [] : await this.claimWhere(batchId, options, sql`status = 'sending' AND lease_expires_at <= ${now}`, limit);
    const pendingCondition = options.after === undefined ? sql`status = 'pending'` : sql`status = 'pending' AND item > ${options.after}`;
    const pending = expired.length < limit ? await this.claimWhere(batchId, options, pendingCondition, limit - expired.length) : [];
    const claimed = [...expired.map((row) => toClaimed(row, true)), ...pending.map((row) => toClaimed(row, false))];
    return claimed.sort((a, b) => a.item - b.item);
  }

  private async claimWhere(
    batchId: string,
    { owner, now, leaseMs, onlyWhileRunning = true }: ClaimOptions,
    condition: ReturnType<typeof sql>,
    limit: number,
  ): Promise<ClaimedRow[]> {
    const running = onlyWhileRunning
      ? sql`AND EXISTS (SELECT 1 FROM batches WHERE id = ${batchId} AND status = 'running')`
      : sql``;
    // The items are picked once, in a materialized CTE. As `item IN (SELECT … LIMIT n FOR UPDATE
    // SKIP LOCKED)` PostgreSQL may re-run the pick per row, each run skipping the rows this very
    // statement just updated, and claim far more than n. The bounds on `item` keep the update to
    // the picked range of the index even when the planner, without statistics on a batch just
    // inserted, would scan every pending item for each one picked. The outer condition is checked
    // again because PostgreSQL re-reads a row it waited for.
    const result = await sql<ClaimedRow>`
      WITH picked AS MATERIALIZED (
        SELECT item FROM batch_items
        WHERE batch_id = ${batchId} AND ${condition} ${running}
        ORDER BY item
        LIMIT ${limit}
        ${this.dialect.skipLocked})
      UPDATE batch_items SET status = 'sending', lease_owner = ${owner}, lease_expires_at = ${now + leaseMs}
      WHERE batch_id = ${batchId} AND ${condition}
        AND item >= (SELECT MIN(item) FROM picked) AND item <= (SELECT MAX(item) FROM picked)
        AND item IN (SELECT item FROM picked)
      RETURNING item, recipient, message`.execute(this.db);
    return result.rows;
  }

  async renew(batchId: string, owner: string, until: number): Promise<void> {
    await this.db
      .updateTable('batch_items')
      .set({ lease_expires_at: until })
      .where('batch_id', '=', batchId)
      .where('status', '=', 'sending')
      .where('lease_owner', '=', owner)
      .execute();
  }

  async record(batchId: string, owner: string, outcomes: readonly ItemOutcome[], now: number): Promise<boolean[]> {
    if (outcomes.length === 0) return [];
    const sent = outcomes.filter((o): o is Extract<ItemOutcome, { kind: 'sent' }> => o.kind === 'sent');
    const failed = outcomes.filter((o): o is Extract<ItemOutcome, { kind: 'failed' }> => o.kind === 'failed');
    const released = outcomes.filter((o) => o.kind === 'released').map((o) => o.item);
    const applied = new Set<string>();
    await this.db.transaction().execute(async (trx) => {
      const sentRows = sent.map((o) => ({ batch_id: batchId, item: o.item, attempts: o.attempts, provider_message_id: o.providerMessageId, at: o.at }));
      const sentItems = sent.length === 0 ? [] : await this.recordSent(trx, sentRows);
      const failedRows = failed.map((o) => ({ batch_id: batchId, item: o.item, attempts: o.attempts, last_error: JSON.stringify(o.error), at: o.at }));
      const failedItems = failed.length === 0 ? [] : await this.recordFailed(trx, owner, failedRows);
      const releasedItems = released.length === 0 ? [] : await this.release(trx, batchId, owner, released);
      for (const item of sentItems) applied.add(`sent:${item}`);
      for (const item of failedItems) applied.add(`failed:${item}`);
      for (const item of releasedItems) applied.add(`released:${item}`);
      const done = sentItems.length + failedItems.length;
      if (done === 0) return;
      await trx
        .updateTable('batches')
        .set((eb) => ({ sent: eb('sent', '+', sentItems.length), failed: eb('failed', '+', failedItems.length), updated_at: now }))
        .where('id', '=', batchId)
        .execute();
      await sql`
        INSERT INTO batch_progress (batch_id, bucket, done) VALUES (${batchId}, ${bucketOf(now)}, ${done})
        ON CONFLICT (batch_id, bucket) DO UPDATE SET done = batch_progress.done + excluded.done`.execute(trx);
    });
    return outcomes.map((o) => applied.has(`${o.kind}:${o.item}`));
  }

  /** A send happened whoever holds the item now, so it is recorded unless already recorded. */
  private async recordSent(trx: BatchDatabase, rows: readonly object[]): Promise<number[]> {
    const result = await sql<{ item: number }>`
      UPDATE batch_items SET status = 'sent', attempts = v.attempts, provider_message_id = v.provider_message_id,
        finished_at = v.at, last_error = NULL, lease_owner = NULL, lease_expires_at = NULL
      FROM ${this.dialect.jsonRows(rows, SENT_COLUMNS)}
      WHERE batch_items.batch_id = v.batch_id AND batch_items.item = v.item AND batch_items.status IN ('sending', 'pending')
      RETURNING batch_items.item`.execute(trx);
    return result.rows.map((row) => Number(row.item));
  }

  private async recordFailed(trx: BatchDatabase, owner: string, rows: readonly object[]): Promise<number[]> {
    const result = await sql<{ item: number }>`
      UPDATE batch_items SET status = 'failed', attempts = v.attempts, last_error = v.last_error,
        finished_at = v.at, lease_owner = NULL, lease_expires_at = NULL
      FROM ${this.dialect.jsonRows(rows, FAILED_COLUMNS)}
      WHERE batch_items.batch_id = v.batch_id AND batch_items.item = v.item
        AND batch_items.status = 'sending' AND batch_items.lease_owner = ${owner}
      RETURNING batch_items.item`.execute(trx);
    return result.rows.map((row) => Number(row.item));
  }

  private async release(trx: BatchDatabase, batchId: string, owner: string, items: readonly number[]): Promise<number[]> {
    const rows = await trx
      .updateTable('batch_items')
      .set({ status: 'pending', lease_owner: null, lease_expires_at: null })
      .where('batch_id', '=', batchId)
      .where('item', 'in', [...items])
      .where('status', '=', 'sending')
      .where('lease_owner', '=', owner)
      .returning('item')
      .execute();
    return rows.map((row) => Number(row.item));
  }

  async list(batchId: string, query: ItemQuery): Promise<BatchItemRecord[]> {
    let select = this.db
      .selectFrom('batch_items')
      .select(['batch_id', 'item', 'line', 'status', 'recipient', 'attempts', 'last_error', 'provider_message_id', 'finished_at'])
      .where('batch_id', '=', batchId);
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (query.after !== undefined) select = select.where('item', '>', query.after);
    const rows = await select.orderBy('item').limit(query.limit).execute();
    return rows.map(toItemRecord);
  }
}

function toClaimed(row: ClaimedRow, takenOver: boolean): ClaimedItem {
  return { item: Number(row.item), to: row.recipient, message: JSON.parse(row.message) as ItemMessage, takenOver };
}
