import type { Clock } from '../core/clock.js';
import type { OutgoingMessage } from '../providers/provider.js';
import { type ProviderError, toProviderError } from '../providers/errors.js';
import type { ProviderInstance } from '../providers/instances.js';
import type { BreakerBoard } from '../resilience/breaker/board.js';
import { withTimeout } from '../resilience/timeout.js';

/** A provider skipped because its circuit was open. */
export interface Failover {
  provider: string;
  /** When to ask that provider again: its break's end, or a re-check time while its probe is out. */
  until: number;
}

/** How one delivery attempt ended. */
export type AttemptResult =
  | { kind: 'delivered'; provider: string; providerMessageId: string; startedAt: number; endedAt: number; failovers: Failover[] }
  | { kind: 'failed'; provider: string; error: ProviderError; startedAt: number; endedAt: number; failovers: Failover[] }
  /** Every provider of the channel has an open circuit; try again at `until`, the earliest of theirs. */
  | { kind: 'all_open'; until: number; failovers: Failover[] }
  /** No configured provider can send this message. */
  | { kind: 'no_provider'; reason: string }
  /** Shutdown aborted the call; the message goes back to the queue untouched. */
  | { kind: 'interrupted' };

/** What an attempt needs. */
export interface AttemptDeps {
  breakers: BreakerBoard;
  clock: Clock;
  /** Timeout of one provider call, in ms. */
  timeoutMs: number;
}

/**
 * Makes one delivery attempt: tries the message's providers in order, skipping (failing over
 * from) those whose circuit is open, and calls the first one allowed under its breaker and a
 * timeout. A failure of the provider called is the attempt's failure: the next attempt, after a
 * backoff, starts again from the primary, unless its circuit has opened meanwhile.
 */
export async function attemptDelivery(
  message: OutgoingMessage,
  candidates: readonly ProviderInstance[],
  deps: AttemptDeps,
  shutdown: AbortSignal,
): Promise<AttemptResult> {
  if (candidates.length === 0) {
    return { kind: 'no_provider', reason: `no configured provider can send this ${message.channel} message` };
  }
  const failovers: Failover[] = [];
  for (const candidate of candidates) {
    const permit = deps.breakers.acquire(candidate.name);
    if (!permit.permitted) {
      failovers.push({ provider: candidate.name, until: permit.until });
      continue;
    }
    const startedAt = deps.clock.now();
    try {
      const result = await withTimeout(deps.timeoutMs, (attempt) => candidate.provider.send(message, attempt), shutdown);
      permit.success();
      return {
        kind: 'delivered',
        provider: candidate.name,
        providerMessageId: result.providerMessageId,
        startedAt,
        endedAt: deps.clock.now(),
        failovers,
      };
    } catch (error) {
      if (shutdown.aborted) {
        permit.release();
        return { kind: 'interrupted' };
      }
      const failure = toProviderError(error);
      permit.failure(failure);
      return { kind: 'failed', provider: candidate.name, error: failure, startedAt, endedAt: deps.clock.now(), failovers };
    }
  }
  return { kind: 'all_open', until: Math.min(...failovers.map((f) => f.until)), failovers };
}
