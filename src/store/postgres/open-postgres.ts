import { Kysely, PostgresDialect as KyselyPostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { IdGenerator } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { SqlMessageStore } from '../sql-message-store.js';
import type { Database } from '../tables.js';
import type { SqlContext } from '../dialect.js';
import { PostgresDialect } from './postgres-dialect.js';

/** Connections per process. */
const POOL_SIZE = 10;

/** BIGINT (OID 20) columns hold epoch milliseconds, well inside Number's exact range. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Opens the PostgreSQL store. With a `schema`, every connection uses it as its search path, and
 * it is created on migrate. Pool errors (a restarted server) are logged, never thrown: the pool
 * reconnects on the next query.
 */
export function openPostgresStore(
  url: string,
  schema: string | undefined,
  newId: IdGenerator,
  logger: Logger,
): SqlMessageStore & { ensureSchema(): Promise<void> } {
  const clientConfig: pg.ClientConfig = {
    connectionString: url,
    types,
    ...(schema !== undefined && { options: `-c search_path=${schema}` }),
  };
  const pool = new pg.Pool({ ...clientConfig, max: POOL_SIZE, idleTimeoutMillis: 30_000 });
  pool.on('error', (error) => logger.warn({ err: error.message }, 'idle database connection lost'));
  // A connection in use that the server drops (a restart) reports on the client itself; without a
  // listener that 'error' event would end the process. The query in flight fails and is retried.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ err: error.message }, 'database connection lost'));
  });
  const db = new Kysely<Database>({ dialect: new KyselyPostgresDialect({ pool }) });
  const channel = `missive_schedule${schema === undefined ? '' : `_${schema}`}`;
  return new PostgresMessageStore({ db, dialect: new PostgresDialect(clientConfig, channel, logger), newId }, schema);
}

/** The PostgreSQL store: the shared SQL store plus creating its schema before migrating. */
class PostgresMessageStore extends SqlMessageStore {
  constructor(
    context: SqlContext,
    private readonly schemaName: string | undefined,
  ) {
    super(context, schemaName);
  }

  async ensureSchema(): Promise<void> {
    if (this.schemaName !== undefined) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(this.schemaName)}`.execute(this.db);
  }

  /**
   * Kysely's migrator introspects every schema of the database; PostgreSQL's catalog functions
   * can then fail with "… does not exist" when another schema is being dropped at that moment
   * (a neighbour tenant, a test). That race passes at once, so it is tried again, briefly.
   */
  override async migrate(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ensureSchema();
        await super.migrate();
        return;
      } catch (error) {
        if (attempt >= 5 || !/does not exist/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }
}
