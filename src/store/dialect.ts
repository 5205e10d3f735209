import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { IdGenerator } from '../core/ids.js';
import type { Database } from './tables.js';

/** The SQL type of a column read from a JSON row source. */
export type ColumnType = 'text' | 'bigint' | 'integer';

/** A column of a JSON row source. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/**
 * What differs between SQLite and PostgreSQL. Everything else is one implementation. Bulk writes
 * pass their rows as one JSON parameter, which both dialects can read as a table
 * (`jsonb_each` / `jsonb_to_recordset`): one statement per batch, whatever the batch size.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** See MessageStore.parallelWrites. */
  readonly parallelWrites: number;
  /** `<rows> AS v`: a table of `columns` read from a JSON array of objects. */
  jsonRows(rows: readonly object[], columns: readonly ColumnSpec[]): RawBuilder<unknown>;
  /** The row-lock clause that lets concurrent claimers skip each other's rows. */
  readonly skipLocked: RawBuilder<unknown>;
  /**
   * The `messages` table as the target of an UPDATE joined to a row source by id. SQLite's
   * planner would otherwise drive such a join from the status index and scan the row source once
   * per matching message; pinning the primary-key index makes it one lookup per source row.
   */
  readonly messagesById: RawBuilder<unknown>;
  /**
   * Runs `work`, on the database it is handed, so that its commits survive a power loss, not
   * only a process crash: for writes a caller is told are done (a message accepted, a cancel, a
   * batch created). Other writes (a claim, a delivery outcome) may be lost with the last moments
   * before a power cut: at worst a message is delivered again, which at-least-once delivery
   * allows.
   */
  durably<DB, T>(db: Kysely<DB>, work: (db: Kysely<DB>) => Promise<T>): Promise<T>;
  /** Tells every scheduler (in any process) that a message is due at `dueAt`. */
  notifyScheduled(db: Kysely<Database>, dueAt: number): Promise<void>;
  /** Subscribes to those notifications; returns the unsubscribe function. */
  watchSchedule(listener: (dueAt: number | undefined) => void): () => void;
  /** Releases what the dialect holds (listener connections, timers). */
  close(): Promise<void>;
}

/** Builds `jsonb_to_recordset($1::jsonb) AS v(a text, b bigint)` for PostgreSQL. */
export function postgresJsonRows(rows: readonly object[], columns: readonly ColumnSpec[]): RawBuilder<unknown> {
  const definition = columns.map((column) => `${column.name} ${column.type}`).join(', ');
  return sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(${sql.raw(definition)})`;
}

/**
 * Builds `(SELECT value ->> 0 AS a, … FROM jsonb_each(jsonb(?))) AS v` for SQLite. Each row goes
 * in as an array in column order, and the parameter is parsed once into SQLite's binary JSON:
 * reading a field by position from that is a lookup, where `json_extract(value, '$.a')` on text
 * parses the whole row again for every column (a 100-row insert cost half as much this way).
 */
export function sqliteJsonRows(rows: readonly object[], columns: readonly ColumnSpec[]): RawBuilder<unknown> {
  const select = columns.map((column, index) => `value ->> ${index} AS ${column.name}`).join(', ');
  const names = columns.map((column) => column.name);
  const tuples = rows.map((row) => names.map((name) => (row as Record<string, unknown>)[name] ?? null));
  return sql`(SELECT ${sql.raw(select)} FROM jsonb_each(jsonb(${JSON.stringify(tuples)}))) AS v`;
}

/**
 * One open database as every SQL store of a process shares it: messages, batches and breakers
 * live in the same database and use the same connection pool and dialect.
 */
export interface SqlContext {
  db: Kysely<Database>;
  dialect: SqlDialect;
  newId: IdGenerator;
}
