import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from './index.js';

/** An in-memory database prepared by `setup` so that migrating it fails. */
async function failure(setup: string): Promise<string> {
  const database = new Database(':memory:');
  database.exec(setup);
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
  try {
    await migrateToLatest(db);
  } catch (error) {
    return (error as Error).message;
  } finally {
    await db.destroy();
  }
  throw new Error('expected the migration to fail');
}

describe('migrateToLatest', () => {
  it('names the migration that failed, and why', async () => {
    expect(await failure('CREATE TABLE messages (x INTEGER)')).toMatch(/^database migration 0001_messages failed: .*already exists/);
  });

  it('reads well when no migration ran at all', async () => {
    const message = await failure('CREATE TABLE missive_migrations (x INTEGER)');
    expect(message).toMatch(/^database migration failed: /);
    expect(message).not.toContain('  ');
    expect(message).not.toContain('undefined');
  });
});
