import type { Random } from '../core/clock.js';
import type { JsonObject } from '../core/json.js';
import type { ClaimedMessage, ErrorInfo } from '../message/types.js';
import type { ProviderError } from '../providers/errors.js';
import { decideRetry, type ResolvedRetryOptions } from '../resilience/retry-decision.js';
import type { HistoryEvent, Transition } from '../store/store.js';
import type { AttemptResult, Failover } from './attempt.js';

/** What to do after an attempt: the state change to record, and whether to dead-letter. */
export interface OutcomePlan {
  transition: Transition;
  /** Set when the message failed for good: copy it to the dead-letter queue with this reason. */
  deadLetter?: string;
}

/**
 * Decides, purely, what an attempt's result means for the message: delivered; retrying after a
 * backoff (through the scheduler, status `retrying` with the next attempt time); failed and
 * dead-lettered after a permanent error or the last attempt; or waiting, without spending an
 * attempt, until the first circuit of its channel may be probed. Returns undefined for an
 * interrupted attempt, which is handed back untouched.
 */
export function planOutcome(
  result: AttemptResult,
  record: ClaimedMessage,
  retry: ResolvedRetryOptions,
  random: Random,
  now: number,
): OutcomePlan | undefined {
  const attempt = record.attempts;
  const from = ['sending'] as const;
  switch (result.kind) {
    case 'interrupted':
      return undefined;
    case 'delivered':
      return {
        transition: {
          id: record.id,
          from,
          now,
          changes: {
            status: 'delivered',
            deliveredAt: result.endedAt,
            lastProvider: result.provider,
            providerMessageId: result.providerMessageId,
          },
          // The delivery itself is read back from the row (see the store's history); only
          // fail-overs on the way need entries of their own.
          events: failoverEvents(result.failovers, result.provider, result.startedAt),
        },
      };
    case 'failed': {
      const error = errorInfo(result.error, result.provider);
      const decision = decideRetry(result.error, attempt, retry, random, now);
      const events = failoverEvents(result.failovers, result.provider, result.startedAt);
      const detail: JsonObject = { attempt, provider: result.provider, error: { ...error }, durationMs: result.endedAt - result.startedAt };
      if (decision.retry) {
        // Times are whole milliseconds (the stores keep them as integers); jitter is not.
        const nextAttemptAt = now + Math.ceil(decision.delayMs);
        return {
          transition: {
            id: record.id,
            from,
            now,
            changes: { status: 'retrying', dueAt: nextAttemptAt, lastError: error, lastProvider: result.provider },
            events: [...events, { event: 'retrying', status: 'retrying', at: now, detail: { ...detail, nextAttemptAt: iso(nextAttemptAt) } }],
          },
        };
      }
      const reason = decision.reason === 'permanent' ? 'permanent error' : `gave up after ${attempt} attempts`;
      return {
        deadLetter: `${reason}: ${error.message}`,
        transition: {
          id: record.id,
          from,
          now,
          changes: { status: 'failed', deadLetteredAt: now, lastError: error, lastProvider: result.provider, dueAt: null },
          events: [...events, { event: 'failed', status: 'failed', at: now, detail: { ...detail, reason: decision.reason } }],
        },
      };
    }
    case 'all_open':
      // Waiting for a circuit is not an attempt: give back the one the claim counted.
      return {
        transition: {
          id: record.id,
          from,
          now,
          changes: { status: 'retrying', attempts: attempt - 1, dueAt: Math.ceil(Math.max(result.until, now)) },
          events: [
            {
              event: 'deferred',
              status: 'retrying',
              at: now,
              detail: { reason: 'every provider of the channel has an open circuit', until: iso(result.until), providers: result.failovers.map((f) => f.provider) },
            },
          ],
        },
      };
    case 'no_provider': {
      const error: ErrorInfo = { kind: 'no_provider', message: result.reason };
      return {
        deadLetter: result.reason,
        transition: {
          id: record.id,
          from,
          now,
          changes: { status: 'dead', attempts: attempt - 1, deadLetteredAt: now, lastError: error, dueAt: null },
          events: [{ event: 'dead', status: 'dead', at: now, detail: { reason: result.reason } }],
        },
      };
    }
  }
}

/** A provider error as recorded on the message. */
export function errorInfo(error: ProviderError, provider: string): ErrorInfo {
  return {
    kind: error.kind,
    message: error.message,
    provider,
    ...(error.vendor.status !== undefined && { vendorStatus: error.vendor.status }),
    ...(error.vendor.code !== undefined && { vendorCode: error.vendor.code }),
    ...(error.vendor.message !== undefined && { vendorMessage: error.vendor.message }),
  };
}

function failoverEvents(failovers: readonly Failover[], to: string, at: number): HistoryEvent[] {
  return failovers.map((failover) => ({
    event: 'failover',
    status: 'sending',
    at,
    detail: { from: failover.provider, to, reason: 'circuit_open', until: iso(failover.until) },
  }));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
