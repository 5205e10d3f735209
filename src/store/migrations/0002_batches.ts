import type { Kysely } from 'kysely';

/** Batches, their items, and the progress counters their rate is computed from. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    // 0 or 1: SQLite has no boolean type, and one column type serves both dialects.
    .addColumn('auto_resume', 'integer', (c) => c.notNull())
    .addColumn('start_at', 'bigint')
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('running_since', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('resume_at', 'bigint')
    .execute();
  // Runners look for work by status; finished batches pile up and must not be scanned.
  await db.schema.createIndex('batches_status').on('batches').columns(['status', 'id']).execute();

  await db.schema
    .createTable('batch_items')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('item', 'integer', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('batch_items_pk', ['batch_id', 'item'])
    .execute();
  // A claim reads the next pending items in order, and a listing by status pages through one
  // status: both are a range of this index, however many items are already done.
  await db.schema.createIndex('batch_items_status').on('batch_items').columns(['batch_id', 'status', 'item']).execute();

  await db.schema
    .createTable('batch_progress')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('done', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('batch_progress_pk', ['batch_id', 'bucket'])
    .execute();
}
