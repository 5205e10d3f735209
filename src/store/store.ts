import type { JsonObject } from '../core/json.js';
import type { ClaimedMessage, ErrorInfo, HistoryEntry, MessageRecord, MessageStatus, NewMessage } from '../message/types.js';

/** A message to insert, with the id and state the producer chose for it. */
export interface MessageInsert {
  id: string;
  message: NewMessage;
  /** `queued` (publish now) or `scheduled` (held until `scheduledAt`). */
  status: 'queued' | 'scheduled';
  /** For scheduled messages the due time; for queued ones the outbox-relay deadline. */
  dueAt: number;
  /** The requested delivery time of a scheduled message (even one already due), else null. */
  scheduledAt: number | null;
  now: number;
  batch?: { id: string; item: number };
}

/** The outcome of an insert: a new row, or the row already holding that idempotency key. */
export interface InsertResult {
  id: string;
  status: MessageStatus;
  /** False when the idempotency key was already taken: the first message's id is returned. */
  created: boolean;
}

/** Columns a state change may set. Undefined keeps the value; null clears it. */
export interface MessageChanges {
  status?: MessageStatus;
  attempts?: number;
  dueAt?: number | null;
  lastProvider?: string | null;
  providerMessageId?: string | null;
  lastError?: ErrorInfo | null;
  deliveredAt?: number | null;
  deadLetteredAt?: number | null;
}

/** One history entry to append. */
export interface HistoryEvent {
  event: string;
  status: MessageStatus;
  at: number;
  detail?: JsonObject;
}

/** A change of one message's state, applied only while the row is in one of `from`. */
export interface Transition {
  id: string;
  from: readonly MessageStatus[];
  changes: MessageChanges;
  events: HistoryEvent[];
  now: number;
}

/** A message whose publish the scheduler owns: due, retrying, or stranded before its confirm. */
export interface DueMessage extends MessageRecord {
  leaseOwner: string;
  leaseExpiresAt: number;
}

/** Filter and page of a message listing. */
export interface MessageQuery {
  status?: MessageStatus;
  /** Only dead-lettered messages. */
  deadLettered?: boolean;
  /** Return messages with an id after this one (ids sort by creation time). */
  after?: string;
  limit: number;
}

/**
 * Everything Missive keeps about messages. Two implementations (SQLite, PostgreSQL) pass one
 * conformance suite. Methods taking arrays do their work in one transaction, so callers batch.
 */
export interface MessageStore {
  /**
   * How many batched writes are worth running at once: 1 for SQLite (one connection, one writer;
   * overlapping only splits batches), several for PostgreSQL (a pool, commits that wait on disk).
   */
  readonly parallelWrites: number;

  /** Creates or updates the schema. */
  migrate(): Promise<void>;

  /** Inserts messages with their `accepted` history entry; an existing idempotency key wins. */
  insertMessages(inserts: readonly MessageInsert[]): Promise<InsertResult[]>;

  /** Records the broker's confirm of queued messages: they leave the relay's watch. */
  markPublished(ids: readonly string[], now: number): Promise<void>;

  /**
   * Claims messages for delivery (status `sending`, attempts + 1) and returns them; `attempts`
   * is then the number of this attempt. Only `queued` messages can be claimed, and `sending` ones
   * among `redelivered` (copies the broker hands out again: their worker died, or gave them
   * back); the rest are left out of the result: already delivered, failed, cancelled, waiting
   * for a retry, or being sent (a second copy, such as an outbox relay's, arriving meanwhile).
   */
  claimForDelivery(ids: readonly string[], now: number, redelivered: readonly string[]): Promise<ClaimedMessage[]>;

  /** Applies state changes; returns, per transition, whether the row was in an allowed state. */
  applyTransitions(transitions: readonly Transition[]): Promise<boolean[]>;

  /**
   * Leases up to `limit` messages whose scheduler action is due by `horizon` (scheduled, retrying,
   * or queued without a confirm), skipping rows leased by others until their lease expires.
   */
  claimDue(owner: string, horizon: number, now: number, leaseMs: number, limit: number): Promise<DueMessage[]>;

  /** The earliest due time among messages the scheduler could claim now; undefined if none. */
  nextDueAt(now: number): Promise<number | undefined>;

  /**
   * Moves leased messages to `queued` for publishing (relay deadline `relayAt`), provided the
   * lease is still `owner`'s, nobody cancelled or rescheduled them, and they are still due by
   * `now` (a relay whose publish confirm was recorded since its claim is not). `status` is each
   * message's status when claimed (it names the history entry). Returns the ids moved.
   */
  beginDispatch(
    claims: readonly { id: string; status: MessageStatus }[],
    owner: string,
    now: number,
    relayAt: number,
  ): Promise<string[]>;

  /**
   * The same for the scheduled or retrying messages among `ids` (one held group) that `owner`
   * leased and that are due exactly at `dueAt`: one statement per 5,000 messages (all of them in
   * one transaction), found through the due-time index. Rows `owner` leased at that time since (by
   * a later poll) are left to their own group. Relays are not moved here (they get a history
   * entry each).
   */
  beginDispatchDue(owner: string, dueAt: number, ids: readonly string[], now: number, relayAt: number): Promise<string[]>;

  /** Gives leased messages back without dispatching them (shutdown). */
  releaseLeases(ids: readonly string[], owner: string): Promise<void>;

  /** Cancels a scheduled message. Throws NotFoundError, or ConflictError once dispatched. */
  cancel(id: string, now: number): Promise<MessageRecord>;

  /** Moves a scheduled message to a new due time. Same errors as cancel. */
  reschedule(id: string, dueAt: number, now: number): Promise<MessageRecord>;

  /** Puts a failed or dead message back in the queue (dead-letter replay). */
  requeue(id: string, now: number, relayAt: number): Promise<MessageRecord>;

  getMessage(id: string): Promise<MessageRecord | undefined>;
  getMessages(ids: readonly string[]): Promise<MessageRecord[]>;
  getHistory(id: string): Promise<HistoryEntry[]>;
  listMessages(query: MessageQuery): Promise<MessageRecord[]>;
  countByStatus(): Promise<Partial<Record<MessageStatus, number>>>;

  /**
   * Calls `listener` when a message is scheduled, with its due time when known, so a scheduler
   * can wake before its next poll. Returns a function that stops watching.
   */
  watchSchedule(listener: (dueAt: number | undefined) => void): () => void;

  /** Checks the store answers (readiness). */
  ping(): Promise<void>;

  close(): Promise<void>;
}
