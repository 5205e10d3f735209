import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './statement-cache.js';

describe('withStatementCache', () => {
  let database: Database.Database;

  beforeEach(() => {
    database = new Database(':memory:');
    database.exec('CREATE TABLE t (n INTEGER)');
    database.exec('INSERT INTO t VALUES (1), (2), (3)');
  });
  afterEach(() => database.close());

  it('hands out the same prepared statement for the same SQL', () => {
    const cached = withStatementCache(database);
    const first = cached.prepare('SELECT n FROM t ORDER BY n');
    const second = cached.prepare('SELECT n FROM t ORDER BY n');
    expect(second).toBe(first);
    expect(cached.prepare('SELECT n FROM t WHERE n > ?')).not.toBe(first);
  });

  it('prepares a fresh statement while the cached one is still being iterated', () => {
    const cached = withStatementCache(database);
    const sql = 'SELECT n FROM t ORDER BY n';
    const outer = cached.prepare(sql);
    const seen: number[] = [];
    for (const row of outer.iterate([]) as Iterable<{ n: number }>) {
      const inner = cached.prepare(sql);
      expect(inner).not.toBe(outer);
      seen.push(row.n, (inner.all([]) as { n: number }[]).length);
    }
    expect(seen).toEqual([1, 3, 2, 3, 3, 3]);
    expect(cached.prepare(sql)).toBe(outer);
  });

  it('keeps at most its capacity, evicting the least recently used', () => {
    const cached = withStatementCache(database);
    const touched = cached.prepare('SELECT 0 AS n');
    const untouched = cached.prepare('SELECT -1 AS n');
    for (let i = 1; i <= 199; i += 1) {
      cached.prepare(`SELECT ${i} AS n`);
      if (i === 100) cached.prepare('SELECT 0 AS n'); // used again: now the most recent
    }
    expect(cached.prepare('SELECT 0 AS n')).toBe(touched);
    expect(cached.prepare('SELECT -1 AS n')).not.toBe(untouched);
  });

  it('runs writes through cached statements', () => {
    const cached = withStatementCache(database);
    for (let i = 0; i < 3; i += 1) cached.prepare('INSERT INTO t VALUES (?)').run([10 + i]);
    expect(database.prepare('SELECT count(*) AS c FROM t').get()).toEqual({ c: 6 });
  });
});
