import type { JsonObject, JsonValue } from '../core/json.js';
import type { Channel } from './channels.js';

/** What a message says; which fields apply depends on the channel. */
export interface MessageContent {
  /** Email subject. */
  subject?: string;
  /** Plain text body (email, sms, chat). */
  text?: string;
  /** HTML body (email). */
  html?: string;
  /** JSON payload (webhook). */
  data?: JsonValue;
}

/** When to deliver: now, or at a time (milliseconds since the epoch once parsed). */
export type Delivery = { mode: 'immediate' } | { mode: 'scheduled'; at: string };

/** A validated message, as the producer accepts it. */
export interface NewMessage {
  channel: Channel;
  /** Email address, E.164 phone number, webhook URL or chat destination. */
  to: string;
  content: MessageContent;
  from?: string;
  /** Provider instance to use instead of the channel's configured order. */
  provider?: string;
  metadata?: JsonObject;
  idempotencyKey?: string;
  delivery: Delivery;
}

/** The life cycle of a message. */
export const MESSAGE_STATUSES = [
  'scheduled',
  'queued',
  'sending',
  'retrying',
  'delivered',
  'failed',
  'dead',
  'cancelled',
] as const;

/** One of {@link MESSAGE_STATUSES}. */
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Statuses after which nothing more happens to a message (unless replayed). */
export const FINAL_STATUSES: readonly MessageStatus[] = ['delivered', 'failed', 'dead', 'cancelled'];

/** The last error of a delivery attempt, as recorded and shown. */
export interface ErrorInfo {
  /** Missive's error kind: `retryable`, `rate_limited`, `permanent`, or another stable code. */
  kind: string;
  message: string;
  /** The vendor's HTTP status, error code and message, when the provider reported them. */
  vendorStatus?: number;
  vendorCode?: string;
  vendorMessage?: string;
  /** The provider instance that failed. */
  provider?: string;
}

/** A message as stored, with its delivery state. Times are milliseconds since the epoch. */
export interface MessageRecord extends NewMessage {
  id: string;
  status: MessageStatus;
  /** Delivery attempts started so far. */
  attempts: number;
  /** The time a scheduled message is (or was) due; null for immediate messages. */
  scheduledAt: number | null;
  /** When the scheduler must next act on the row (dispatch, retry, or relay); null when it need not. */
  dueAt: number | null;
  /** The provider that delivered, or was last tried. */
  lastProvider: string | null;
  providerMessageId: string | null;
  lastError: ErrorInfo | null;
  createdAt: number;
  updatedAt: number;
  /** When the broker confirmed the latest publish. */
  publishedAt: number | null;
  deliveredAt: number | null;
  batchId: string | null;
  batchItem: number | null;
}

/**
 * A message as a worker holds it while delivering: the message itself and what the attempt and
 * its metrics need. Narrower than a record on purpose: the claim reads back only these columns.
 */
export type ClaimedMessage = NewMessage &
  Pick<MessageRecord, 'id' | 'attempts' | 'scheduledAt' | 'createdAt' | 'batchId' | 'batchItem'>;

/** One entry of a message's history: an attempt or a change of state. */
export interface HistoryEntry {
  at: number;
  /** `accepted`, `scheduled`, `dispatched`, `attempt`, `delivered`, `retrying`, `failed`, … */
  event: string;
  status: MessageStatus;
  detail?: JsonObject;
}
