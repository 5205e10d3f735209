import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDialect } from './sqlite-dialect.js';

const NORMAL = 1;
const FULL = 2;

describe('SqliteDialect.durably', () => {
  let database: Database.Database;
  let dialect: SqliteDialect;
  const synchronous = () => database.pragma('synchronous', { simple: true });

  beforeEach(() => {
    database = new Database(':memory:');
    database.pragma('synchronous = NORMAL');
    dialect = new SqliteDialect(database);
  });
  afterEach(() => database.close());

  it('syncs every commit while the work runs, and only then', async () => {
    const seen = await dialect.durably(async () => {
      await Promise.resolve();
      return synchronous();
    });
    expect(seen).toBe(FULL);
    expect(synchronous()).toBe(NORMAL);
  });

  it('stays in full sync until the last of overlapping sections ends', async () => {
    let finishFirst!: () => void;
    const first = dialect.durably(() => new Promise<void>((resolve) => (finishFirst = resolve)));
    let finishSecond!: () => void;
    const second = dialect.durably(() => new Promise<void>((resolve) => (finishSecond = resolve)));
    finishFirst();
    await first;
    expect(synchronous()).toBe(FULL);
    finishSecond();
    await second;
    expect(synchronous()).toBe(NORMAL);
  });

  it('goes back to normal sync when the work fails', async () => {
    await expect(dialect.durably(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(synchronous()).toBe(NORMAL);
  });
});
