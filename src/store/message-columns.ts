import type { ColumnSpec } from './dialect.js';
import type { MessageChanges, MessageInsert } from './store.js';

/** The columns an insert writes (the rest start empty). */
export const INSERT_COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', type: 'text' },
  { name: 'channel', type: 'text' },
  { name: 'recipient', type: 'text' },
  { name: 'content', type: 'text' },
  { name: 'sender', type: 'text' },
  { name: 'provider', type: 'text' },
  { name: 'metadata', type: 'text' },
  { name: 'idempotency_key', type: 'text' },
  { name: 'delivery_mode', type: 'text' },
  { name: 'scheduled_at', type: 'bigint' },
  { name: 'due_at', type: 'bigint' },
  { name: 'status', type: 'text' },
  { name: 'created_at', type: 'bigint' },
  { name: 'updated_at', type: 'bigint' },
  { name: 'batch_id', type: 'text' },
  { name: 'batch_item', type: 'integer' },
];

/** The columns of a history row. */
export const EVENT_COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', type: 'text' },
  { name: 'message_id', type: 'text' },
  { name: 'at', type: 'bigint' },
  { name: 'event', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'detail', type: 'text' },
];

/** How each settable field of a transition maps to a column. */
export const CHANGE_COLUMNS: Record<keyof MessageChanges, ColumnSpec> = {
  status: { name: 'status', type: 'text' },
  attempts: { name: 'attempts', type: 'integer' },
  dueAt: { name: 'due_at', type: 'bigint' },
  lastProvider: { name: 'last_provider', type: 'text' },
  providerMessageId: { name: 'provider_message_id', type: 'text' },
  lastError: { name: 'last_error', type: 'text' },
  deliveredAt: { name: 'delivered_at', type: 'bigint' },
  deadLetteredAt: { name: 'dead_lettered_at', type: 'bigint' },
};

/** The row an insert writes, keyed by column name (JSON fields as text). */
export function insertRow(insert: MessageInsert): Record<string, unknown> {
  return {
    id: insert.id,
    channel: insert.message.channel,
    recipient: insert.message.to,
    content: JSON.stringify(insert.message.content),
    sender: insert.message.from ?? null,
    provider: insert.message.provider ?? null,
    metadata: insert.message.metadata === undefined ? null : JSON.stringify(insert.message.metadata),
    idempotency_key: insert.message.idempotencyKey ?? null,
    delivery_mode: insert.message.delivery.mode,
    scheduled_at: insert.scheduledAt,
    due_at: insert.dueAt,
    status: insert.status,
    created_at: insert.now,
    updated_at: insert.now,
    batch_id: insert.batch?.id ?? null,
    batch_item: insert.batch?.item ?? null,
  };
}
