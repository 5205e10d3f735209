import type { ErrorInfo, MessageStatus } from '../../message/types.js';
import type { Runtime } from '../runtime.js';

/** A dead-lettered message as listed. */
export interface DeadLetter {
  id: string;
  status: MessageStatus;
  channel: string;
  to: string;
  attempts: number;
  /** The provider last tried, or the one requested, or null. */
  provider: string | null;
  lastError: ErrorInfo | null;
  /** When it was last changed (dead-lettered), ISO 8601. */
  updatedAt: string;
}

/** One page of the dead-letter listing. */
export interface DeadLetterPage {
  items: DeadLetter[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

/** Largest page of dead letters. */
export const MAX_DEAD_LETTER_PAGE = 1000;

/** Dead-lettered messages in id (creation) order, after `after`, at most `limit` (1 to 1000). */
export async function listDeadLetters(runtime: Runtime, page: { limit: number; after?: string }): Promise<DeadLetterPage> {
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), MAX_DEAD_LETTER_PAGE);
  const records = await runtime.store.listMessages({ deadLettered: true, limit, ...(page.after !== undefined && { after: page.after }) });
  const items = records.map((record) => ({
    id: record.id,
    status: record.status,
    channel: record.channel,
    to: record.to,
    attempts: record.attempts,
    provider: record.lastProvider ?? record.provider ?? null,
    lastError: record.lastError,
    updatedAt: new Date(record.updatedAt).toISOString(),
  }));
  return { items, next: items.length === limit ? (items.at(-1)?.id ?? null) : null };
}

/** The outcome of a replay. */
export interface ReplayReceipt {
  id: string;
  status: MessageStatus;
  /** False when the broker was unavailable: the scheduler's relay publishes it later. */
  published: boolean;
}

/**
 * Sends a dead-lettered (`failed` or `dead`) message again with fresh attempts. Throws
 * NotFoundError, or ConflictError `not_dead_lettered` for a message in another state.
 */
export async function replayDeadLetter(runtime: Runtime, id: string): Promise<ReplayReceipt> {
  const now = runtime.clock.now();
  const record = await runtime.store.requeue(id, now, now + runtime.settings.scheduler.relayAfterMs);
  const published = await (await runtime.publisher()).publish(record);
  return { id: record.id, status: record.status, published };
}
