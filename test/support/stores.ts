import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createIdGenerator } from '../../src/core/ids.js';
import { silentLogger } from '../../src/core/logger.js';
import { openStore } from '../../src/store/open.js';
import type { MessageStore } from '../../src/store/store.js';

/** The PostgreSQL server tests use; each test gets its own schema in it. */
export const TEST_POSTGRES_URL = process.env.MISSIVE_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';

/** The store kinds every integration test runs against. */
export const STORE_KINDS = ['sqlite', 'postgres'] as const;
/** One of {@link STORE_KINDS}. */
export type StoreKind = (typeof STORE_KINDS)[number];

/** A fresh, empty database location of a kind, and how to remove it. */
export interface TestDatabase {
  kind: StoreKind;
  /** A `MISSIVE_DATABASE_URL` for it. */
  url: string;
  drop(): Promise<void>;
}

let created = 0;

/** Makes a unique database: a temporary SQLite file, or a new schema in the test PostgreSQL. */
export async function createTestDatabase(kind: StoreKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'missive-test-'));
    return { kind, url: `sqlite:${join(dir, 'missive.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `t_${process.pid.toString(36)}_${(++created).toString(36)}_${randomBytes(4).toString('hex')}`;
  const url = `${TEST_POSTGRES_URL}${TEST_POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  return {
    kind,
    url,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Opens and migrates a store on a test database. */
export async function openTestStore(database: TestDatabase): Promise<MessageStore> {
  const store = openStore(database.url, { newId: createIdGenerator(), logger: silentLogger });
  await store.migrate();
  return store;
}
