import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { parseDatabaseUrl } from './database-url.js';
import { openPostgresStore } from './postgres/open-postgres.js';
import { openSqliteStore } from './sqlite/open-sqlite.js';
import type { SqlMessageStore } from './sql-message-store.js';

/**
 * Opens the store `MISSIVE_DATABASE_URL` names (not yet migrated). With `create: false` a SQLite
 * file that does not exist is a DatabaseMissingError rather than a new, empty database (default
 * true). A PostgreSQL database is never created by Missive, only its tables.
 */
export function openStore(url: string, deps: { newId: IdGenerator; logger: Logger; create?: boolean }): SqlMessageStore {
  const location = parseDatabaseUrl(url);
  return location.kind === 'sqlite'
    ? openSqliteStore(location.path, deps.newId, { create: deps.create ?? true })
    : openPostgresStore(location.url, location.schema, deps.newId, deps.logger);
}
