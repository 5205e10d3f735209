import type { ErrorInfo } from '../message/types.js';
import { etaSeconds, rateAsOf, recentRate } from './progress.js';
import type { BatchProgressRead } from './store.js';
import type { BatchItemRecord, BatchRecord, BatchStatus, ItemStatus, PauseReason } from './types.js';

/** A batch as `batch status --json` and the HTTP API show it; times are ISO 8601. */
export interface BatchView {
  id: string;
  status: BatchStatus;
  /** Why it is paused (`manual`, `circuit_open`, `provider_unavailable`); null unless paused. */
  reason: PauseReason | null;
  channel: string;
  provider: string;
  concurrency: number;
  autoResume: boolean;
  /** Items in the batch (good rows). */
  total: number;
  /** Items not yet sent or failed, `sending` ones excluded. */
  pending: number;
  /** Items claimed by a runner and not yet recorded. */
  sending: number;
  sent: number;
  failed: number;
  /** Rows refused at creation (not items). */
  skipped: number;
  /** Items sent or failed. */
  done: number;
  /** Items finished per second over the last 30 s of running. */
  rate: number;
  /** Seconds until done at that rate, while running; 0 when nothing remains; null when unknown. */
  etaSeconds: number | null;
  startAt: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** While paused with `circuit_open`: when the provider is next probed with one item. */
  resumeAt: string | null;
}

/** One item as `batch items` and the HTTP API list it. */
export interface BatchItemView {
  item: number;
  /** Line of the recipients file the row came from. */
  line: number;
  to: string;
  status: ItemStatus;
  attempts: number;
  /** Why it failed (the last error); null unless failed. */
  error: ErrorInfo | null;
  providerMessageId: string | null;
  /** The key providers received: `<batchId>:<item>`. */
  idempotencyKey: string;
  finishedAt: string | null;
}

/** Builds a batch's public view from its record and progress, as of `now`. */
export function batchView(record: BatchRecord, progress: BatchProgressRead, now: number): BatchView {
  const status: BatchStatus = record.status === 'creating' ? 'pending' : record.status;
  const done = record.sent + record.failed;
  const sending = Math.min(progress.sending, Math.max(0, record.total - done));
  const pending = Math.max(0, record.total - done - sending);
  const rate = recentRate(progress.buckets, rateAsOf(record, now), record.runningSince);
  let eta: number | null = null;
  if (status === 'completed') eta = 0;
  else if (status === 'running') eta = etaSeconds(pending + sending, rate);
  return {
    id: record.id,
    status,
    reason: status === 'paused' ? record.reason : null,
    channel: record.channel,
    provider: record.provider,
    concurrency: record.concurrency,
    autoResume: record.autoResume,
    total: record.total,
    pending,
    sending,
    sent: record.sent,
    failed: record.failed,
    skipped: record.skipped,
    done,
    rate: Math.round(rate * 100) / 100,
    etaSeconds: eta,
    startAt: iso(record.startAt),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    startedAt: iso(record.startedAt),
    finishedAt: iso(record.finishedAt),
    resumeAt: status === 'paused' && record.reason === 'circuit_open' ? iso(record.resumeAt) : null,
  };
}

/** Builds an item's public view. */
export function batchItemView(record: BatchItemRecord): BatchItemView {
  return {
    item: record.item,
    line: record.line,
    to: record.to,
    status: record.status,
    attempts: record.attempts,
    error: record.status === 'failed' ? record.lastError : null,
    providerMessageId: record.providerMessageId,
    idempotencyKey: `${record.batchId}:${record.item}`,
    finishedAt: iso(record.finishedAt),
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
