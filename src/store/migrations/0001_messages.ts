import { type Kysely, sql } from 'kysely';

/** Messages and their history. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('sender', 'text')
    .addColumn('provider', 'text')
    .addColumn('metadata', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('delivery_mode', 'text', (c) => c.notNull())
    .addColumn('scheduled_at', 'bigint')
    .addColumn('due_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_provider', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('last_error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .addColumn('dispatched_at', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .addColumn('dead_lettered_at', 'bigint')
    .addColumn('batch_id', 'text')
    .addColumn('batch_item', 'integer')
    .execute();
  // The scheduler's claim reads only rows it must act on (due_at set), in due order, so a
  // million messages held for later cost one index range scan, not a table scan.
  await db.schema
    .createIndex('messages_due')
    .on('messages')
    .columns(['due_at', 'status'])
    .where(sql.ref('due_at'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('messages_dead_lettered')
    .on('messages')
    .column('dead_lettered_at')
    .where(sql.ref('dead_lettered_at'), 'is not', null)
    .execute();
  await db.schema
    .createTable('message_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('message_events_message').on('message_events').columns(['message_id', 'id']).execute();
}
