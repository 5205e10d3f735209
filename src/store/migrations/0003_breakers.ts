import type { Kysely } from 'kysely';

/** Circuit breaker state shared by every process, one row per provider instance. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('breakers')
    .addColumn('provider', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint')
    .addColumn('until', 'bigint')
    .addColumn('break_ms', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('probe_owner', 'text')
    .addColumn('probe_expires_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
