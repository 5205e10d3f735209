import { type Kysely, sql } from 'kysely';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { ClaimedMessage, HistoryEntry, MessageRecord, MessageStatus } from '../message/types.js';
import type { ColumnSpec, SqlContext, SqlDialect } from './dialect.js';
import { migrateToLatest } from './migrations/index.js';
import type {
  DueMessage,
  HistoryEvent,
  InsertResult,
  MessageChanges,
  MessageInsert,
  MessageQuery,
  MessageStore,
  Transition,
} from './store.js';
import { appendHistory, historyOf } from './history.js';
import * as schedule from './sql-schedule.js';
import { CHANGE_COLUMNS, INSERT_COLUMNS, insertRow } from './message-columns.js';
import { CLAIMED_COLUMNS, type Database, type MessagesTable, toClaimedMessage, toMessageRecord } from './tables.js';

/** The message store over any SQL dialect Kysely speaks; dialect differences come from `dialect`. */
export class SqlMessageStore implements MessageStore {
  protected readonly db: Kysely<Database>;
  protected readonly dialect: SqlDialect;
  readonly parallelWrites: number;

  constructor(
    /** The open database, for the other stores (batches, breakers) to share. */
    readonly context: SqlContext,
    private readonly schema?: string,
  ) {
    this.db = context.db;
    this.dialect = context.dialect;
    this.parallelWrites = context.dialect.parallelWrites;
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.db as Kysely<unknown>, this.schema);
  }

  async insertMessages(inserts: readonly MessageInsert[]): Promise<InsertResult[]> {
    if (inserts.length === 0) return [];
    const rows = inserts.map(insertRow);
    const columns = sql.raw(INSERT_COLUMNS.map((c) => c.name).join(', '));
    // One statement, no transaction: a message's acceptance is read back from its row (see
    // getHistory), so nothing else is written per message here. Durable: `send` resolves on it.
    const inserted = await this.dialect.durably(
      this.db,
      (db) => sql<{ id: string }>`
        INSERT INTO messages (${columns})
        SELECT ${columns} FROM ${this.dialect.jsonRows(rows, INSERT_COLUMNS)} WHERE true
        ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`.execute(db),
    );
    const created = new Set(inserted.rows.map((row) => row.id));
    const takenKeys = inserts.filter((i) => !created.has(i.id)).map((i) => i.message.idempotencyKey as string);
    const existing = new Map<string, { id: string; status: string }>();
    if (takenKeys.length > 0) {
      const found = await this.db
        .selectFrom('messages')
        .select(['id', 'status', 'idempotency_key'])
        .where('idempotency_key', 'in', [...new Set(takenKeys)])
        .execute();
      for (const row of found) existing.set(row.idempotency_key as string, row);
    }
    const results = inserts.map((insert): InsertResult => {
      if (created.has(insert.id)) return { id: insert.id, status: insert.status, created: true };
      const first = existing.get(insert.message.idempotencyKey as string);
      if (!first) throw new Error(`message ${insert.id} was neither inserted nor found by its idempotency key`);
      return { id: first.id, status: first.status as MessageStatus, created: false };
    });
    const held = inserts.filter((insert, index) => insert.status === 'scheduled' && results[index]?.created);
    if (held.length > 0) await this.dialect.notifyScheduled(this.db, Math.min(...held.map((insert) => insert.dueAt)));
    return results;
  }

  async markPublished(ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    // Only a still-queued message leaves the relay's watch; one a worker has claimed already
    // (the usual case) is not written again.
    await this.db
      .updateTable('messages')
      .set({ published_at: now, due_at: null })
      .where('id', 'in', [...ids])
      .where('status', '=', 'queued')
      .execute();
  }

  async claimForDelivery(ids: readonly string[], now: number, redelivered: readonly string[]): Promise<ClaimedMessage[]> {
    if (ids.length === 0) return [];
    // Only the columns delivery needs come back: reading a row into an object costs by the
    // column, and on SQLite returning all of them cost more than the update itself.
    const rows = await this.db
      .updateTable('messages')
      .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), due_at: null, updated_at: now }))
      .where('id', 'in', [...new Set(ids)])
      .where((eb) =>
        redelivered.length === 0
          ? eb('status', '=', 'queued')
          : eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'sending'), eb('id', 'in', [...new Set(redelivered)])])]),
      )
      .returning(CLAIMED_COLUMNS)
      .execute();
    return rows.map(toClaimedMessage);
  }

  async applyTransitions(transitions: readonly Transition[]): Promise<boolean[]> {
    if (transitions.length === 0) return [];
    const groups = new Map<string, Transition[]>();
    for (const transition of transitions) {
      const keys = (Object.keys(transition.changes) as (keyof MessageChanges)[])
        .filter((key) => transition.changes[key] !== undefined)
        .sort();
      const groupKey = `${[...transition.from].sort().join(',')}|${keys.join(',')}`;
      groups.set(groupKey, [...(groups.get(groupKey) ?? []), transition]);
    }
    const applied = new Set<string>();
    const write = async (db: Kysely<Database>) => {
      for (const group of groups.values()) {
        for (const id of await this.updateGroup(db, group)) applied.add(id);
      }
      await appendHistory(
        this.context,
        db,
        transitions
          .filter((transition) => applied.has(transition.id))
          .flatMap((transition) => transition.events.map((event) => ({ messageId: transition.id, event }))),
      );
    };
    // The common case (one delivery recorded on its row alone) is a single statement.
    const single = groups.size === 1 && transitions.every((transition) => transition.events.length === 0);
    if (single) await write(this.db);
    else await this.db.transaction().execute(write);
    return transitions.map((transition) => applied.has(transition.id));
  }

  /** One UPDATE for transitions that set the same columns from the same statuses. */
  private async updateGroup(trx: Kysely<Database>, group: readonly Transition[]): Promise<string[]> {
    const first = group[0] as Transition;
    const keys = (Object.keys(first.changes) as (keyof MessageChanges)[]).filter((key) => first.changes[key] !== undefined);
    const columns: ColumnSpec[] = [
      { name: 'id', type: 'text' },
      { name: 'updated_at', type: 'bigint' },
      ...keys.map((key) => CHANGE_COLUMNS[key]),
    ];
    const rows = group.map((transition) => {
      const row: Record<string, unknown> = { id: transition.id, updated_at: transition.now };
      for (const key of keys) {
        const value = transition.changes[key];
        const column = CHANGE_COLUMNS[key];
        // Integer columns get whole numbers whatever the caller computed (PostgreSQL refuses 1.5).
        row[column.name] =
          key === 'lastError' && value !== null ? JSON.stringify(value) : column.type !== 'text' && typeof value === 'number' ? Math.round(value) : value;
      }
      return row;
    });
    const assignments = sql.raw(columns.slice(1).map((c) => `${c.name} = v.${c.name}`).join(', '));
    const from = sql.join(first.from.map((status) => sql`${status}`));
    const result = await sql<{ id: string }>`
      UPDATE ${this.dialect.messagesById} SET ${assignments}
      FROM ${this.dialect.jsonRows(rows, columns)}
      WHERE messages.id = v.id AND messages.status IN (${from})
      RETURNING messages.id`.execute(trx);
    return result.rows.map((row) => row.id);
  }

  async claimDue(owner: string, horizon: number, now: number, leaseMs: number, limit: number): Promise<DueMessage[]> {
    return schedule.claimDue(this.context, owner, horizon, now, leaseMs, limit);
  }

  async nextDueAt(now: number): Promise<number | undefined> {
    return schedule.nextDueAt(this.db, now);
  }

  async beginDispatch(claims: readonly { id: string; status: MessageStatus }[], owner: string, now: number, relayAt: number): Promise<string[]> {
    return schedule.beginDispatch(this.context, claims, owner, now, relayAt);
  }

  async beginDispatchDue(owner: string, dueAt: number, ids: readonly string[], now: number, relayAt: number): Promise<string[]> {
    return schedule.beginDispatchDue(this.db, owner, dueAt, ids, now, relayAt);
  }

  async releaseLeases(ids: readonly string[], owner: string): Promise<void> {
    await schedule.releaseLeases(this.db, ids, owner);
  }

  async cancel(id: string, now: number): Promise<MessageRecord> {
    return this.changeScheduled(id, now, 'cancel', { status: 'cancelled', due_at: null }, { event: 'cancelled', status: 'cancelled', at: now });
  }

  async reschedule(id: string, dueAt: number, now: number): Promise<MessageRecord> {
    const before = await this.getMessage(id);
    const record = await this.changeScheduled(
      id,
      now,
      'reschedule',
      { due_at: dueAt, scheduled_at: dueAt },
      {
        event: 'rescheduled',
        status: 'scheduled',
        at: now,
        detail: {
          from: before?.scheduledAt == null ? null : new Date(before.scheduledAt).toISOString(),
          to: new Date(dueAt).toISOString(),
        },
      },
    );
    await this.dialect.notifyScheduled(this.db, dueAt);
    return record;
  }

  /** Changes a message that is still `scheduled`, releasing any scheduler's lease on it. */
  private async changeScheduled(
    id: string,
    now: number,
    action: string,
    set: Partial<MessagesTable>,
    event: HistoryEvent,
  ): Promise<MessageRecord> {
    const change = (db: Kysely<Database>) => db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('messages')
        .set({ ...set, lease_owner: null, lease_expires_at: null, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'scheduled')
        .returningAll()
        .executeTakeFirst();
      if (updated) await appendHistory(this.context, trx, [{ messageId: id, event }]);
      return updated;
    });
    const row = await this.dialect.durably(this.db, change);
    if (row) return toMessageRecord(row);
    const current = await this.getMessage(id);
    if (!current) throw new NotFoundError('message', id);
    if (current.status === 'cancelled') throw new ConflictError('cancelled', `cannot ${action} message ${id}: it was cancelled`);
    throw new ConflictError(
      'already_dispatched',
      `cannot ${action} message ${id}: it was already dispatched (status ${current.status})`,
    );
  }

  async requeue(id: string, now: number, relayAt: number): Promise<MessageRecord> {
    const replay = (db: Kysely<Database>) => db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('messages')
        .set({ status: 'queued', attempts: 0, due_at: relayAt, dead_lettered_at: null, lease_owner: null, lease_expires_at: null, updated_at: now })
        .where('id', '=', id)
        .where('status', 'in', ['failed', 'dead'])
        .returningAll()
        .executeTakeFirst();
      if (updated) await appendHistory(this.context, trx, [{ messageId: id, event: { event: 'replayed', status: 'queued', at: now } }]);
      return updated;
    });
    const row = await this.dialect.durably(this.db, replay);
    if (row) return toMessageRecord(row);
    const current = await this.getMessage(id);
    if (!current) throw new NotFoundError('message', id);
    throw new ConflictError('not_dead_lettered', `cannot replay message ${id}: it is ${current.status}, not failed or dead`);
  }

  async getMessage(id: string): Promise<MessageRecord | undefined> {
    const row = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMessageRecord(row) : undefined;
  }

  async getMessages(ids: readonly string[]): Promise<MessageRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('messages').selectAll().where('id', 'in', [...ids]).orderBy('id').execute();
    return rows.map(toMessageRecord);
  }

  /**
   * The message's history: its acceptance, first dispatch and delivery, read from the row itself
   * (so the hot paths write no history rows for them), among the entries stored for the rest.
   */
  async getHistory(id: string): Promise<HistoryEntry[]> {
    const [row, stored] = await Promise.all([
      this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst(),
      this.db.selectFrom('message_events').select(['at', 'event', 'status', 'detail']).where('message_id', '=', id).orderBy('id').execute(),
    ]);
    return row ? historyOf(row, stored) : [];
  }

  async listMessages(query: MessageQuery): Promise<MessageRecord[]> {
    let select = this.db.selectFrom('messages').selectAll();
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    if (query.deadLettered) select = select.where('dead_lettered_at', 'is not', null);
    if (query.after !== undefined) select = select.where('id', '>', query.after);
    const rows = await select.orderBy('id').limit(query.limit).execute();
    return rows.map(toMessageRecord);
  }

  async countByStatus(): Promise<Partial<Record<MessageStatus, number>>> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  watchSchedule(listener: (dueAt: number | undefined) => void): () => void {
    return this.dialect.watchSchedule(listener);
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.dialect.close();
    await this.db.destroy();
  }
}
