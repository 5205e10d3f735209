import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as messages from './0001_messages.js';
import * as batches from './0002_batches.js';
import * as breakers from './0003_breakers.js';

/**
 * The schema, as ordered migrations. Both dialects run the same ones: times are BIGINT (INTEGER
 * affinity in SQLite), JSON is TEXT and ids are ULID text, so nothing dialect-specific is needed.
 * A new migration is a new file here, added to this list; a released one is never edited.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_messages': messages,
  '0002_batches': batches,
  '0003_breakers': breakers,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date; safe to run from several processes at once (the migrator locks). */
export async function migrateToLatest(db: Kysely<unknown>, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'missive_migrations',
    migrationLockTableName: 'missive_migrations_lock',
    ...(schema !== undefined && { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration${failed === undefined ? '' : ` ${failed}`} failed: ${reason}`, { cause: error });
  }
}
