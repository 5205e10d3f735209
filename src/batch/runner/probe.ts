import { sleep } from '../../core/clock.js';
import type { ProviderInstance } from '../../providers/instances.js';
import type { BatchRecord } from '../types.js';
import type { RunnerDeps } from './deps.js';
import { itemOutcome, sendItem } from './send-item.js';
import { Slots } from './slots.js';

/** How a probe went: the provider took an item (go on), or not yet (wait until `until`). */
export type ProbeResult = { kind: 'passed' } | { kind: 'refused'; until: number };

/** Items a probe may use up on permanent failures before it calls the provider up anyway. */
const MAX_PROBE_ITEMS = 5;

/**
 * How long, in all, a probe waits out refusals that last only a moment before it gives up, in
 * ms. Once a break is over, the shared breakers refuse the first call briefly while they claim
 * the fleet's one probe for this process (and refuse it while another process's probe is out,
 * asking to come back soon): pausing the batch then, or deferring it to the next look, would
 * leave a batch resumed by hand paused again without a single call.
 */
const PROBE_PATIENCE_MS = 5_000;
/** Most such waits in one probe, whatever the times refusals give. */
const MAX_PROBE_WAITS = 8;

/**
 * Tests a provider with one item of the batch, a single attempt, before a paused (or just
 * resumed) batch is let loose on it: while the circuit is open the attempt is refused without a
 * call; once its break is over the breaker lets this one call through as its half-open probe. The
 * item is recorded if sent, or if it failed permanently (the provider answered, about that
 * recipient: the next item probes); otherwise it goes back to `pending` with its retries unspent.
 */
export async function probeBatch(
  batch: BatchRecord,
  instance: ProviderInstance,
  deps: RunnerDeps,
  shutdown: AbortSignal,
): Promise<ProbeResult> {
  const { store, clock, owner } = deps;
  const sender = { ...deps, provider: instance, retry: { ...deps.retry, maxAttempts: 1 } };
  const itemBatch = { id: batch.id, channel: batch.channel, startAt: batch.startAt };
  const patientUntil = clock.now() + PROBE_PATIENCE_MS;
  let waits = 0;
  for (let probes = 0; probes < MAX_PROBE_ITEMS; ) {
    const [item] = await store.claimItems(batch.id, { owner, now: clock.now(), leaseMs: deps.leaseMs, limit: 1, onlyWhileRunning: false });
    if (item === undefined) return { kind: 'passed' };
    const slots = new Slots(1);
    slots.tryTake();
    let refusedUntil: number | undefined;
    const startedAt = clock.now();
    const result = await sendItem(itemBatch, item, sender, {
      slots,
      drain: new AbortController().signal,
      shutdown,
      onCircuitRefused: (until) => (refusedUntil = until),
    });
    const answered = result.kind === 'sent' || (result.kind === 'failed' && result.error.kind === 'permanent');
    const outcome = answered ? itemOutcome(item.item, result, clock.now()) : itemOutcome(item.item, { kind: 'released' }, clock.now());
    const [recorded] = await store.recordOutcomes(batch.id, owner, [outcome], clock.now());
    if (recorded === true && answered) deps.metrics?.batchItem(batch.channel, instance.name, result.kind, clock.now() - startedAt);
    if (refusedUntil === undefined) deps.logger.info({ batchId: batch.id, item: item.item, result: result.kind }, 'probed the provider with one batch item');
    else deps.logger.debug({ batchId: batch.id, until: new Date(refusedUntil).toISOString() }, 'the circuit refused the probe for now');
    if (result.kind === 'sent') return { kind: 'passed' };
    if (refusedUntil !== undefined && refusedUntil <= patientUntil && waits < MAX_PROBE_WAITS) {
      // Refused without a call, for a moment only: the same item tries again then.
      waits += 1;
      try {
        await (deps.sleep ?? sleep)(Math.max(0, refusedUntil - clock.now()), shutdown);
      } catch {
        return { kind: 'refused', until: clock.now() };
      }
      continue;
    }
    if (!answered) {
      const until = refusedUntil ?? deps.breakers.status(instance.name).nextProbeAt ?? clock.now() + deps.probeBackoffMs;
      return { kind: 'refused', until: Math.max(until, clock.now()) };
    }
    probes += 1;
  }
  return { kind: 'passed' };
}
