import type { MessageRecord } from '../message/types.js';
import type { OutgoingMessage } from '../providers/provider.js';

/** The key a vendor de-duplicates on: the caller's, a batch item's, or the message id. */
export function effectiveIdempotencyKey(record: MessageRecord): string {
  if (record.idempotencyKey !== undefined) return record.idempotencyKey;
  if (record.batchId !== null && record.batchItem !== null) return `${record.batchId}:${record.batchItem}`;
  return record.id;
}

/** What a provider is handed for the attempt `record.attempts`. */
export function toOutgoing(record: MessageRecord): OutgoingMessage {
  return {
    id: record.id,
    channel: record.channel,
    to: record.to,
    content: record.content,
    ...(record.from !== undefined && { from: record.from }),
    ...(record.metadata !== undefined && { metadata: record.metadata }),
    idempotencyKey: effectiveIdempotencyKey(record),
    attempt: record.attempts,
    delivery: record.delivery,
    ...(record.batchId !== null && record.batchItem !== null && { batch: { id: record.batchId, item: record.batchItem } }),
  };
}
