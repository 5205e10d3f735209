import type { JsonObject } from '../core/json.js';
import type { Channel } from '../message/channels.js';
import type { ErrorInfo, MessageContent } from '../message/types.js';
import type { Template } from './template/template.js';

/** The life cycle of a batch (CONTRACT.md). */
export const BATCH_STATUSES = ['pending', 'running', 'paused', 'completed', 'cancelled'] as const;
/** One of {@link BATCH_STATUSES}. */
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/**
 * A batch's stored status: the public ones plus `creating`, held while its items are inserted so
 * that a failed or abandoned creation can be deleted and is never seen by a runner.
 */
export type StoredBatchStatus = BatchStatus | 'creating';

/** Statuses after which nothing more happens to a batch. */
export const FINAL_BATCH_STATUSES: readonly BatchStatus[] = ['completed', 'cancelled'];

/**
 * Why a batch is paused: by a person (`manual`), because its provider's circuit opened
 * (`circuit_open`, resumed by itself when the circuit closes unless autoResume is off), or because
 * its provider is no longer configured (`provider_unavailable`).
 */
export type PauseReason = 'manual' | 'circuit_open' | 'provider_unavailable';

/** The life cycle of one item. */
export const ITEM_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
/** One of {@link ITEM_STATUSES}. */
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** A batch as stored. Times are milliseconds since the epoch. */
export interface BatchRecord {
  id: string;
  status: StoredBatchStatus;
  /** Why it is paused; null unless paused. */
  reason: PauseReason | null;
  channel: Channel;
  /** The one provider instance the batch sends through, resolved at creation. */
  provider: string;
  template: Template;
  /** Items sent at once. */
  concurrency: number;
  /** Resume by itself when a circuit that paused it closes again. */
  autoResume: boolean;
  /** The batch is not started before this time; null for at once. */
  startAt: number | null;
  /** Items inserted (good rows). */
  total: number;
  /** Rows refused at creation. */
  skipped: number;
  sent: number;
  failed: number;
  createdAt: number;
  updatedAt: number;
  /** When a runner first started it. */
  startedAt: number | null;
  /** When it last became `running` (rate windows do not reach before it). */
  runningSince: number | null;
  /** When it completed or was cancelled. */
  finishedAt: number | null;
  /** While paused with `circuit_open`: when a runner may probe the provider with one item. */
  resumeAt: number | null;
}

/** What a batch item sends: the rendered message without what the batch holds (channel, provider). */
export interface ItemMessage {
  content: MessageContent;
  from?: string;
  metadata?: JsonObject;
}

/** One item as stored. */
export interface BatchItemRecord {
  batchId: string;
  /** 1-based position among the batch's good rows; the idempotency key is `<batchId>:<item>`. */
  item: number;
  /** Line of the recipients file the row came from. */
  line: number;
  to: string;
  status: ItemStatus;
  /** Provider calls made for the item, as recorded with its outcome. */
  attempts: number;
  lastError: ErrorInfo | null;
  providerMessageId: string | null;
  /** When it was sent or failed for good. */
  finishedAt: number | null;
}

/** An item a runner claimed, with what it needs to send it. */
export interface ClaimedItem {
  item: number;
  to: string;
  message: ItemMessage;
  /** True when a runner had claimed it before and its lease expired: it may have been sent already. */
  takenOver: boolean;
}
