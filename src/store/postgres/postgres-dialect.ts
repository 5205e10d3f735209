import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../core/logger.js';
import type { SqlDialect } from '../dialect.js';
import { postgresJsonRows } from '../dialect.js';
import type { Database } from '../tables.js';

/** Delay before re-opening a lost LISTEN connection, in ms. */
const RELISTEN_DELAY_MS = 1_000;

/**
 * PostgreSQL: claims lock rows with `FOR UPDATE SKIP LOCKED`, so any number of schedulers share
 * the work; new due times are announced with NOTIFY so schedulers wake before their next poll.
 */
export class PostgresDialect implements SqlDialect {
  readonly name = 'postgres';
  readonly parallelWrites = 4;
  readonly skipLocked = sql`FOR UPDATE SKIP LOCKED`;
  readonly messagesById = sql`messages`;
  readonly #listeners = new Set<(dueAt: number | undefined) => void>();
  #client: pg.Client | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  jsonRows = postgresJsonRows;

  /** Every commit is durable already (synchronous_commit, on by default). */
  durably<DB, T>(db: Kysely<DB>, work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
    return work(db);
  }

  async notifyScheduled(db: Kysely<Database>, dueAt: number): Promise<void> {
    await sql`SELECT pg_notify(${this.channel}, ${String(dueAt)})`.execute(db);
  }

  watchSchedule(listener: (dueAt: number | undefined) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#client) void this.#listen();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) void this.#unlisten();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#unlisten();
  }

  async #listen(): Promise<void> {
    if (this.#closed || this.#listeners.size === 0) return;
    const client = new pg.Client(this.clientConfig);
    this.#client = client;
    client.on('notification', (notification) => {
      const dueAt = Number(notification.payload);
      for (const listener of this.#listeners) listener(Number.isFinite(dueAt) ? dueAt : undefined);
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error.message }, 'schedule notifications lost; reconnecting');
      void this.#relisten(client);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      // Anything scheduled while we were not listening is found by this wake-up's poll.
      for (const listener of this.#listeners) listener(undefined);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'cannot listen for schedule notifications; retrying');
      void this.#relisten(client);
    }
  }

  async #relisten(client: pg.Client): Promise<void> {
    if (this.#client !== client) return;
    this.#client = undefined;
    await client.end().catch(() => undefined);
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#listen();
    }, RELISTEN_DELAY_MS);
    this.#retry.unref();
  }

  async #unlisten(): Promise<void> {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
