import type { Kysely } from 'kysely';
import type { ErrorInfo } from '../message/types.js';
import type { Channel } from '../message/channels.js';
import type { Database } from '../store/tables.js';
import type { Template } from './template/template.js';
import type { BatchItemRecord, BatchRecord, ItemStatus, PauseReason, StoredBatchStatus } from './types.js';

/** The `batches` table (migration 0002). Times are milliseconds since the epoch; JSON is text. */
export interface BatchesTable {
  id: string;
  status: string;
  reason: string | null;
  channel: string;
  provider: string;
  template: string;
  concurrency: number;
  auto_resume: number;
  start_at: number | null;
  total: number;
  skipped: number;
  sent: number;
  failed: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  running_since: number | null;
  finished_at: number | null;
  resume_at: number | null;
}

/** The `batch_items` table: one row per good recipient row, with its rendered message. */
export interface BatchItemsTable {
  batch_id: string;
  item: number;
  line: number;
  status: string;
  recipient: string;
  message: string;
  attempts: number;
  last_error: string | null;
  provider_message_id: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  finished_at: number | null;
}

/** The `batch_progress` table: items finished per batch and time bucket, for the rate. */
export interface BatchProgressTable {
  batch_id: string;
  bucket: number;
  done: number;
}

/** The batch tables, added to the shared database's typing with `withTables` (a type, as Kysely needs). */
export type BatchTables = {
  batches: BatchesTable;
  batch_items: BatchItemsTable;
  batch_progress: BatchProgressTable;
};

/** The shared database, typed with the batch tables too. */
export type BatchDatabase = Kysely<Database & BatchTables>;

/** A stored row back as a batch record. */
export function toBatchRecord(row: BatchesTable): BatchRecord {
  return {
    id: row.id,
    status: row.status as StoredBatchStatus,
    reason: row.reason as PauseReason | null,
    channel: row.channel as Channel,
    provider: row.provider,
    template: JSON.parse(row.template) as Template,
    concurrency: Number(row.concurrency),
    autoResume: Number(row.auto_resume) === 1,
    startAt: nullableNumber(row.start_at),
    total: Number(row.total),
    skipped: Number(row.skipped),
    sent: Number(row.sent),
    failed: Number(row.failed),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    startedAt: nullableNumber(row.started_at),
    runningSince: nullableNumber(row.running_since),
    finishedAt: nullableNumber(row.finished_at),
    resumeAt: nullableNumber(row.resume_at),
  };
}

/** A stored row back as an item record (without its message). */
export function toItemRecord(row: Omit<BatchItemsTable, 'message' | 'lease_owner' | 'lease_expires_at'>): BatchItemRecord {
  return {
    batchId: row.batch_id,
    item: Number(row.item),
    line: Number(row.line),
    to: row.recipient,
    status: row.status as ItemStatus,
    attempts: Number(row.attempts),
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as ErrorInfo),
    providerMessageId: row.provider_message_id,
    finishedAt: nullableNumber(row.finished_at),
  };
}

/** SQLite hands back integers as numbers, and the PostgreSQL pool parses BIGINT as numbers too. */
function nullableNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
