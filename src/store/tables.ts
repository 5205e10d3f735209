import type { ErrorInfo, MessageRecord, MessageStatus, NewMessage } from '../message/types.js';
import type { Channel } from '../message/channels.js';

/** The `messages` table. Times are milliseconds since the epoch; JSON columns hold text. */
export interface MessagesTable {
  id: string;
  channel: string;
  recipient: string;
  content: string;
  sender: string | null;
  provider: string | null;
  metadata: string | null;
  idempotency_key: string | null;
  delivery_mode: string;
  scheduled_at: number | null;
  due_at: number | null;
  status: string;
  attempts: number;
  last_provider: string | null;
  provider_message_id: string | null;
  last_error: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
  published_at: number | null;
  /** When the scheduler first dispatched a scheduled message. */
  dispatched_at: number | null;
  delivered_at: number | null;
  dead_lettered_at: number | null;
  batch_id: string | null;
  batch_item: number | null;
}

/** The `message_events` table: a message's history, one row per attempt or change of state. */
export interface MessageEventsTable {
  id: string;
  message_id: string;
  at: number;
  event: string;
  status: string;
  detail: string | null;
}

/** Every table Missive's store uses, for Kysely's typing. */
export interface Database {
  messages: MessagesTable;
  message_events: MessageEventsTable;
}

/**
 * A stored row back as a message record. Built field by field, without object spread: this runs
 * for every message a worker claims, and V8 builds spread objects far more slowly.
 */
export function toMessageRecord(row: MessagesTable): MessageRecord {
  const record: MessageRecord = {
    channel: row.channel as Channel,
    to: row.recipient,
    content: JSON.parse(row.content) as NewMessage['content'],
    delivery:
      row.delivery_mode === 'scheduled' && row.scheduled_at !== null
        ? { mode: 'scheduled', at: new Date(Number(row.scheduled_at)).toISOString() }
        : { mode: 'immediate' },
    id: row.id,
    status: row.status as MessageStatus,
    attempts: Number(row.attempts),
    scheduledAt: nullableNumber(row.scheduled_at),
    dueAt: nullableNumber(row.due_at),
    lastProvider: row.last_provider,
    providerMessageId: row.provider_message_id,
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as ErrorInfo),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    publishedAt: nullableNumber(row.published_at),
    deliveredAt: nullableNumber(row.delivered_at),
    batchId: row.batch_id,
    batchItem: nullableNumber(row.batch_item),
  };
  if (row.sender !== null) record.from = row.sender;
  if (row.provider !== null) record.provider = row.provider;
  if (row.metadata !== null) record.metadata = JSON.parse(row.metadata) as NewMessage['metadata'];
  if (row.idempotency_key !== null) record.idempotencyKey = row.idempotency_key;
  return record;
}

function nullableNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
