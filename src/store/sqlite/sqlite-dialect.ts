import { EventEmitter } from 'node:events';
import type BetterSqlite3 from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import { sqliteJsonRows } from '../dialect.js';

/** How often another process's commits are looked for, in ms. */
const CHANGE_POLL_MS = 50;

/**
 * SQLite: one writer at a time, so a plain UPDATE … RETURNING claims atomically (no row locks).
 * Schedulers in this process hear of new due times directly; those in other processes (a CLI
 * `send` next to `missive start`) notice any commit through `PRAGMA data_version`, which costs no
 * I/O to read and changes whenever another connection commits.
 */
export class SqliteDialect implements SqlDialect {
  readonly name = 'sqlite';
  readonly parallelWrites = 1;
  readonly skipLocked = sql``;
  // The index SQLite creates for the table's TEXT PRIMARY KEY; its name is fixed by SQLite.
  readonly messagesById = sql`messages INDEXED BY sqlite_autoindex_messages_1`;
  readonly #events = new EventEmitter();
  #timer: NodeJS.Timeout | undefined;
  #dataVersion: number | undefined;

  constructor(private readonly database: BetterSqlite3.Database) {}

  jsonRows = sqliteJsonRows;

  /**
   * With WAL and `synchronous = NORMAL` a commit survives a process crash but may be lost on
   * power loss; `FULL` syncs the log at each commit (about 1 ms here), which covers every earlier
   * commit too. So only durable sections pay for it. A section holds the one connection every
   * query goes through (Kysely's lock on it) from switching to FULL to switching back, so no other
   * chain's transaction can be open when the setting changes (SQLite refuses to change it inside
   * one) and no other statement runs in between. A failure to switch back leaves the connection
   * at FULL, which is safe, rather than report a committed write as failed.
   */
  durably<DB, T>(db: Kysely<DB>, work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
    return db.connection().execute(async (connection) => {
      await sql`PRAGMA synchronous = FULL`.execute(connection);
      try {
        return await work(connection);
      } finally {
        await sql`PRAGMA synchronous = NORMAL`.execute(connection).catch(() => undefined);
      }
    });
  }

  async notifyScheduled(_db: unknown, dueAt: number): Promise<void> {
    this.#events.emit('scheduled', dueAt);
  }

  watchSchedule(listener: (dueAt: number | undefined) => void): () => void {
    this.#events.on('scheduled', listener);
    this.#startPolling();
    return () => {
      this.#events.off('scheduled', listener);
      if (this.#events.listenerCount('scheduled') === 0) this.#stopPolling();
    };
  }

  async close(): Promise<void> {
    this.#stopPolling();
    this.#events.removeAllListeners();
  }

  #startPolling(): void {
    if (this.#timer) return;
    this.#dataVersion = this.#readDataVersion();
    this.#timer = setInterval(() => {
      const version = this.#readDataVersion();
      if (version !== undefined && version !== this.#dataVersion) {
        this.#dataVersion = version;
        this.#events.emit('scheduled', undefined);
      }
    }, CHANGE_POLL_MS);
    this.#timer.unref();
  }

  #stopPolling(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #readDataVersion(): number | undefined {
    try {
      return this.database.pragma('data_version', { simple: true }) as number;
    } catch {
      return undefined; // closed or busy: try again on the next tick
    }
  }
}
