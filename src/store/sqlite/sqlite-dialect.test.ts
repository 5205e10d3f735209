import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect as KyselySqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDialect } from './sqlite-dialect.js';

const NORMAL = 1;
const FULL = 2;

interface Tables {
  t: { n: number };
}

describe('SqliteDialect.durably', () => {
  let dir: string;
  let database: Database.Database;
  let db: Kysely<Tables>;
  let dialect: SqliteDialect;
  const synchronous = () => database.pragma('synchronous', { simple: true });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'missive-durably-'));
    database = new Database(join(dir, 'test.db'));
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    db = new Kysely<Tables>({ dialect: new KyselySqliteDialect({ database }) });
    await sql`CREATE TABLE t (n INTEGER)`.execute(db);
    dialect = new SqliteDialect(database);
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs every commit of the work in full, and only the work', async () => {
    const seen = await dialect.durably(db, async (connection) => {
      await connection.insertInto('t').values({ n: 1 }).execute();
      return synchronous();
    });
    expect(seen).toBe(FULL);
    expect(synchronous()).toBe(NORMAL);
    expect(await db.selectFrom('t').select('n').execute()).toEqual([{ n: 1 }]);
  });

  it('waits for a transaction another chain has open, which SQLite would not let it change the setting in', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let began!: () => void;
    const begun = new Promise<void>((resolve) => (began = resolve));
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ n: 1 }).execute();
      began();
      await held;
      await trx.insertInto('t').values({ n: 2 }).execute();
    });
    await begun;
    let inside: number | undefined;
    const durable = dialect.durably(db, async (connection) => {
      inside = synchronous() as number;
      await connection.insertInto('t').values({ n: 3 }).execute();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(inside).toBeUndefined();
    release();
    await Promise.all([transaction, durable]);
    expect(inside).toBe(FULL);
    expect(synchronous()).toBe(NORMAL);
    expect((await db.selectFrom('t').select('n').orderBy('n').execute()).map((row) => row.n)).toEqual([1, 2, 3]);
  });

  it('lets transactions run inside the work, on its connection', async () => {
    await dialect.durably(db, (connection) =>
      connection.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ n: 7 }).execute();
      }),
    );
    expect(await db.selectFrom('t').select('n').execute()).toEqual([{ n: 7 }]);
    expect(synchronous()).toBe(NORMAL);
  });

  it('goes back to normal sync when the work fails, and passes the failure on', async () => {
    await expect(dialect.durably(db, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(synchronous()).toBe(NORMAL);
  });
});
