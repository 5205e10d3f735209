import type { ClaimedMessage, ErrorInfo, MessageRecord, MessageStatus, NewMessage } from '../message/types.js';
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
 * A stored row back as a message record: the claimed part, then the rest field by field, without
 * object spread: this runs for every message the scheduler dispatches, and V8 builds spread
 * objects far more slowly.
 */
export function toMessageRecord(row: MessagesTable): MessageRecord {
  const record = toClaimedMessage(row) as MessageRecord;
  record.status = row.status as MessageStatus;
  record.dueAt = nullableNumber(row.due_at);
  record.lastProvider = row.last_provider;
  record.providerMessageId = row.provider_message_id;
  record.lastError = row.last_error === null ? null : (JSON.parse(row.last_error) as ErrorInfo);
  record.updatedAt = Number(row.updated_at);
  record.publishedAt = nullableNumber(row.published_at);
  record.deliveredAt = nullableNumber(row.delivered_at);
  return record;
}

/** The columns a claim reads back: what {@link ClaimedMessage} holds. */
export const CLAIMED_COLUMNS = [
  'id',
  'channel',
  'recipient',
  'content',
  'sender',
  'provider',
  'metadata',
  'idempotency_key',
  'delivery_mode',
  'scheduled_at',
  'attempts',
  'created_at',
  'batch_id',
  'batch_item',
] as const satisfies readonly (keyof MessagesTable)[];

/** A claimed row back as a message in delivery (field by field, as above: hot path). */
export function toClaimedMessage(row: Pick<MessagesTable, (typeof CLAIMED_COLUMNS)[number]>): ClaimedMessage {
  const message: ClaimedMessage = {
    channel: row.channel as Channel,
    to: row.recipient,
    content: JSON.parse(row.content) as NewMessage['content'],
    delivery:
      row.delivery_mode === 'scheduled' && row.scheduled_at !== null
        ? { mode: 'scheduled', at: new Date(Number(row.scheduled_at)).toISOString() }
        : { mode: 'immediate' },
    id: row.id,
    attempts: Number(row.attempts),
    scheduledAt: nullableNumber(row.scheduled_at),
    createdAt: Number(row.created_at),
    batchId: row.batch_id,
    batchItem: nullableNumber(row.batch_item),
  };
  if (row.sender !== null) message.from = row.sender;
  if (row.provider !== null) message.provider = row.provider;
  if (row.metadata !== null) message.metadata = JSON.parse(row.metadata) as NewMessage['metadata'];
  if (row.idempotency_key !== null) message.idempotencyKey = row.idempotency_key;
  return message;
}

function nullableNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
