import type { JsonObject } from '../core/json.js';
import type { HistoryEntry, MessageRecord, MessageStatus } from './types.js';

/** A message as the CLI's `status --json` and the HTTP API show it; times are ISO 8601. */
export interface MessageView {
  id: string;
  status: MessageStatus;
  channel: string;
  to: string;
  content: MessageRecord['content'];
  from?: string;
  metadata?: JsonObject;
  idempotencyKey?: string;
  delivery: MessageRecord['delivery'];
  /** Delivery attempts made. */
  attempts: number;
  /** The provider that delivered, or was last tried; before any attempt, the one requested. */
  provider: string | null;
  providerMessageId: string | null;
  lastError: MessageRecord['lastError'];
  /** When a scheduled message is (or was) due. */
  scheduledAt: string | null;
  /** When the next attempt is due, while the message is retrying. */
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  batchId?: string;
  item?: number;
  history: { at: string; event: string; status: MessageStatus; detail?: JsonObject }[];
}

/** Builds the public view of a message and its history. */
export function messageView(record: MessageRecord, history: readonly HistoryEntry[]): MessageView {
  return {
    id: record.id,
    status: record.status,
    channel: record.channel,
    to: record.to,
    content: record.content,
    ...(record.from !== undefined && { from: record.from }),
    ...(record.metadata !== undefined && { metadata: record.metadata }),
    ...(record.idempotencyKey !== undefined && { idempotencyKey: record.idempotencyKey }),
    delivery: record.delivery,
    attempts: record.attempts,
    provider: record.lastProvider ?? record.provider ?? null,
    providerMessageId: record.providerMessageId,
    lastError: record.lastError,
    scheduledAt: iso(record.scheduledAt),
    nextAttemptAt: record.status === 'retrying' ? iso(record.dueAt) : null,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    deliveredAt: iso(record.deliveredAt),
    ...(record.batchId !== null && { batchId: record.batchId }),
    ...(record.batchItem !== null && { item: record.batchItem }),
    history: history.map((entry) => ({
      at: new Date(entry.at).toISOString(),
      event: entry.event,
      status: entry.status,
      ...(entry.detail !== undefined && { detail: entry.detail }),
    })),
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
