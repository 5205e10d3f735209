import type { HistoryEntry, MessageStatus } from '../message/types.js';
import { type MessagesTable, toMessageRecord } from './tables.js';

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
