import { type Kysely, sql } from 'kysely';
import type { HistoryEntry, MessageStatus } from '../message/types.js';
import type { SqlContext } from './dialect.js';
import { EVENT_COLUMNS } from './message-columns.js';
import type { HistoryEvent } from './store.js';
import { type Database, type MessagesTable, toMessageRecord } from './tables.js';

/** A stored history row, as read. */
export interface StoredEvent {
  at: number | string;
  event: string;
  status: string;
  detail: string | null;
}

/**
 * A message's history: its acceptance, first dispatch and delivery, read from the row itself (so
 * the hot paths write no history rows for them), among the stored entries, in time order.
 */
export function historyOf(row: MessagesTable, stored: readonly StoredEvent[]): HistoryEntry[] {
  const record = toMessageRecord(row);
  const accepted: HistoryEntry = {
    at: record.createdAt,
    event: 'accepted',
    status: record.scheduledAt !== null && record.scheduledAt > record.createdAt ? 'scheduled' : 'queued',
  };
  const history: HistoryEntry[] = [
    accepted,
    ...stored.map((entry) => ({
      at: Number(entry.at),
      event: entry.event,
      status: entry.status as MessageStatus,
      ...(entry.detail !== null && { detail: JSON.parse(entry.detail) as HistoryEntry['detail'] }),
    })),
  ];
  if (row.dispatched_at !== null) {
    history.push({ at: Number(row.dispatched_at), event: 'dispatched', status: 'queued' });
  }
  if (record.status === 'delivered' && record.deliveredAt !== null) {
    history.push({
      at: record.deliveredAt,
      event: 'delivered',
      status: 'delivered',
      detail: { attempt: record.attempts, provider: record.lastProvider, providerMessageId: record.providerMessageId },
    });
  }
  // Entries read from the row join the stored ones in time order (a stable sort keeps ties).
  return history.sort((a, b) => a.at - b.at);
}

/** Appends history entries; ids are ULIDs, so history reads back in order. */
export async function appendHistory(
  { dialect, newId }: SqlContext,
  db: Kysely<Database>,
  events: readonly { messageId: string; event: HistoryEvent }[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(({ messageId, event }) => ({
    id: newId(),
    message_id: messageId,
    at: event.at,
    event: event.event,
    status: event.status,
    detail: event.detail === undefined ? null : JSON.stringify(event.detail),
  }));
  const columns = sql.raw(EVENT_COLUMNS.map((c) => c.name).join(', '));
  await sql`INSERT INTO message_events (${columns}) SELECT ${columns} FROM ${dialect.jsonRows(rows, EVENT_COLUMNS)}`.execute(db);
}
