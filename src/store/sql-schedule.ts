import { type Kysely, sql } from 'kysely';
import type { MessageStatus } from '../message/types.js';
import type { SqlContext } from './dialect.js';
import { appendHistory } from './history.js';
import type { DueMessage } from './store.js';
import { type Database, type MessagesTable, toMessageRecord } from './tables.js';

/**
 * The scheduler's statements over any SQL dialect: claiming due rows under a lease, moving them
 * to `queued` when they go, and giving the leases back.
 */

/** Most messages of a held group dispatched by one statement. */
const DISPATCH_SLICE = 5_000;

/** Statuses the scheduler acts on when their due time comes. */
const SCHEDULER_STATUSES: readonly MessageStatus[] = ['scheduled', 'retrying', 'queued'];

export async function claimDue(
  { db, dialect }: SqlContext,
  owner: string,
  horizon: number,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<DueMessage[]> {
  const statuses = sql.join(SCHEDULER_STATUSES.map((status) => sql`${status}`));
  // The candidates are chosen once, in a materialized step: as `id IN (subquery)`, PostgreSQL
  // may run the subquery again per row and lease more than `limit` rows.
  const result = await sql<MessagesTable & { lease_owner: string; lease_expires_at: number }>`
    WITH picked AS MATERIALIZED (
      SELECT id FROM messages
      WHERE due_at IS NOT NULL AND due_at <= ${horizon} AND status IN (${statuses})
        AND (lease_expires_at IS NULL OR lease_expires_at <= ${now})
      ORDER BY due_at
      LIMIT ${limit}
      ${dialect.skipLocked})
    UPDATE ${dialect.messagesById} SET lease_owner = ${owner}, lease_expires_at = ${now + leaseMs}
    FROM picked WHERE messages.id = picked.id
    RETURNING *`.execute(db);
  return result.rows
    .map((row) => ({ ...toMessageRecord(row), leaseOwner: row.lease_owner, leaseExpiresAt: Number(row.lease_expires_at) }))
    .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0));
}

export async function nextDueAt(db: Kysely<Database>, now: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('messages')
    .select('due_at')
    .where('due_at', 'is not', null)
    .where('status', 'in', [...SCHEDULER_STATUSES])
    .where((eb) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]))
    .orderBy('due_at')
    .limit(1)
    .executeTakeFirst();
  return row?.due_at == null ? undefined : Number(row.due_at);
}

export async function beginDispatch(
  context: SqlContext,
  claims: readonly { id: string; status: MessageStatus }[],
  owner: string,
  now: number,
  relayAt: number,
): Promise<string[]> {
  if (claims.length === 0) return [];
  // A scheduled message's first dispatch is kept on its row (history reads it back from there);
  // only relays, which are rare and worth seeing, get history rows of their own.
  const relays = claims.filter((claim) => claim.status === 'queued');
  const move = async (db: Kysely<Database>): Promise<string[]> => {
    const moved = await db
      .updateTable('messages')
      .set(dispatched(now, relayAt))
      .where('id', 'in', claims.map((claim) => claim.id))
      .where('lease_owner', '=', owner)
      .where('status', 'in', [...SCHEDULER_STATUSES])
      // Still due: a relay whose publish confirm was recorded since its claim has none (the
      // confirm clears it), and must not be published again.
      .where('due_at', '<=', now)
      .returning('id')
      .execute();
    const ids = new Set(moved.map((row) => row.id));
    await appendHistory(
      context,
      db,
      relays.filter((claim) => ids.has(claim.id)).map((claim) => ({ messageId: claim.id, event: { event: 'relayed', status: 'queued' as const, at: now } })),
    );
    return claims.map((claim) => claim.id).filter((id) => ids.has(id));
  };
  return relays.length === 0 ? move(context.db) : context.db.transaction().execute(move);
}

export async function beginDispatchDue(
  db: Kysely<Database>,
  owner: string,
  dueAt: number,
  ids: readonly string[],
  now: number,
  relayAt: number,
): Promise<string[]> {
  // In slices, to stay within the bound parameters a statement may have (32,766 on SQLite),
  // and then in one transaction: a retry after a slice failed must find every row still to move.
  const move = async (trx: Kysely<Database>): Promise<string[]> => {
    const moved: string[] = [];
    for (let start = 0; start < ids.length; start += DISPATCH_SLICE) {
      const rows = await trx
        .updateTable('messages')
        .set(dispatched(now, relayAt))
        .where('due_at', '=', dueAt)
        .where('due_at', '<=', now)
        .where('id', 'in', ids.slice(start, start + DISPATCH_SLICE))
        .where('lease_owner', '=', owner)
        .where('status', 'in', ['scheduled', 'retrying'])
        .returning('id')
        .execute();
      for (const row of rows) moved.push(row.id);
    }
    return moved;
  };
  return ids.length <= DISPATCH_SLICE ? move(db) : db.transaction().execute(move);
}

export async function releaseLeases(db: Kysely<Database>, ids: readonly string[], owner: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('messages')
    .set({ lease_owner: null, lease_expires_at: null })
    .where('id', 'in', [...ids])
    .where('lease_owner', '=', owner)
    .execute();
}

/**
 * What a dispatch writes: queued for the worker, out of the scheduler's lease, due again only as
 * an outbox relay, and — the first time a scheduled message goes — when it was dispatched.
 */
function dispatched(now: number, relayAt: number) {
  return {
    status: 'queued',
    due_at: relayAt,
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now,
    dispatched_at: sql<number>`COALESCE(dispatched_at, CASE WHEN status = 'scheduled' THEN ${sql.lit(Math.round(now))} END)`,
  } as const;
}
