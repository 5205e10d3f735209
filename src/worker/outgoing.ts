import type { ClaimedMessage } from '../message/types.js';
import type { OutgoingMessage } from '../providers/provider.js';

/** The key a vendor de-duplicates on: the caller's, a batch item's, or the message id. */
export function effectiveIdempotencyKey(record: ClaimedMessage): string {
  if (record.idempotencyKey !== undefined) return record.idempotencyKey;
  if (record.batchId !== null && record.batchItem !== null) return `${record.batchId}:${record.batchItem}`;
  return record.id;
}

/** What a provider is handed for the attempt `record.attempts` (built without spread: hot path). */
export function toOutgoing(record: ClaimedMessage): OutgoingMessage {
  const message: OutgoingMessage = {
    id: record.id,
    channel: record.channel,
    to: record.to,
    content: record.content,
    idempotencyKey: effectiveIdempotencyKey(record),
    attempt: record.attempts,
    delivery: record.delivery,
  };
  if (record.from !== undefined) message.from = record.from;
  if (record.metadata !== undefined) message.metadata = record.metadata;
  if (record.batchId !== null && record.batchItem !== null) message.batch = { id: record.batchId, item: record.batchItem };
  return message;
}
