import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect as KyselySqliteDialect } from 'kysely';
import type { IdGenerator } from '../../core/ids.js';
import { DatabaseMissingError } from '../errors.js';
import { SqlMessageStore } from '../sql-message-store.js';
import type { Database as Tables } from '../tables.js';
import { SqliteDialect } from './sqlite-dialect.js';
import { withStatementCache } from './statement-cache.js';

/** How long a write waits for another process's write to finish before failing, in ms. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens the SQLite store at `path`, creating the file and its folder if needed unless `create`
 * is false (then a missing file is a DatabaseMissingError). WAL lets readers and one writer work
 * at once, also across processes. `synchronous = NORMAL` is durable across process crashes and
 * loses at most the last commits on power loss, the usual trade-off for WAL; writes whose
 * caller is told they are done are synced in full (see SqliteDialect.durably).
 */
export function openSqliteStore(path: string, newId: IdGenerator, options: { create?: boolean } = {}): SqlMessageStore {
  const memory = path === ':memory:';
  const create = options.create ?? true;
  if (!memory && !create && !existsSync(path)) throw new DatabaseMissingError(path);
  if (!memory && create) mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path, { fileMustExist: !memory && !create });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const db = new Kysely<Tables>({ dialect: new KyselySqliteDialect({ database: withStatementCache(database) }) });
  return new SqlMessageStore({ db, dialect: new SqliteDialect(database), newId });
}
