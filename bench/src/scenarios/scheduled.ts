import type { SuiteSizes } from '../config/sizes.js';
import { startCpuWindow } from '../measure/cpu-window.js';
import { summarizeLateness } from '../measure/stats.js';
import type { Bounded } from '../measure/stats.js';
import { fill, sendBounded } from './enqueue.js';
import { cpuMetrics, HandlerRouter, maxRssMiB, messageFactory, warmUp } from './scenario.js';
import type { RunMetrics, Scenario, ScenarioEnv } from './scenario.js';
import { CompletionTracker } from './tracker.js';

/** Never schedule further ahead than this, however slow enqueueing looks. */
const MAX_LEAD_MS = 60_000;

/**
 * How far ahead of now the first due time goes: the configured minimum, or enough to enqueue
 * everything at the rate seen during warm-up, plus a quarter as margin and three quarters of the
 * minimum lead (1.5 s in both suites). Warm-up sends fewer messages at once than the real
 * enqueue, so its rate errs on the slow side.
 */
export function leadMs(count: number, sendRatePerSecond: number, minLeadMs: number): number {
  const estimatedMs = sendRatePerSecond > 0 ? (count / sendRatePerSecond) * 1000 : MAX_LEAD_MS;
  return Math.min(MAX_LEAD_MS, Math.max(minLeadMs, Math.ceil(estimatedMs * 1.25 + minLeadMs * 0.75)));
}

/**
 * Lateness of every message: handling time minus due time; for messages never handled, the
 * time the bench stopped waiting minus due time, as a lower bound.
 */
export function latenesses(handledAt: Float64Array, dueAt: (index: number) => number, stoppedAt: number): Bounded[] {
  return Array.from(handledAt, (at, index) =>
    Number.isNaN(at)
      ? { value: stoppedAt - dueAt(index), lowerBound: true }
      : { value: at - dueAt(index), lowerBound: false },
  );
}

/** How one scheduled scenario lays out its due times and enqueues them. */
interface Schedule {
  readonly count: number;
  readonly minLeadMs: number;
  readonly capAfterDueMs: number;
  /** Due time of message `index` when the first is due at `firstDueAt`. */
  dueAt(firstDueAt: number, index: number): number;
  /** Individual sends (as users schedule one by one) or the bulk pre-fill path. */
  readonly enqueue: 'individual' | 'fill';
}

async function runSchedule(env: ScenarioEnv, schedule: Schedule): Promise<RunMetrics> {
  const { system, sizes, now } = env;
  const router = new HandlerRouter();
  await system.startWorkers(router.handler);
  const sendRate = await warmUp(env, router);

  const tracker = new CompletionTracker(schedule.count, now);
  router.use(tracker);
  const build = messageFactory(sizes);
  const cpu = startCpuWindow();
  const startedAt = now();
  // Bulk pre-fills run far faster than the one-by-one sends seen in warm-up: the minimum lead
  // does for them (an overrun would show in the notes).
  const bulk = schedule.enqueue === 'fill' && system.sendMany !== undefined;
  const firstDueAt = startedAt + leadMs(schedule.count, bulk ? Infinity : sendRate, schedule.minLeadMs);
  const dueAt = (index: number): number => schedule.dueAt(firstDueAt, index);
  const message = (index: number): ReturnType<typeof build> => build(index, dueAt(index));
  if (schedule.enqueue === 'individual') {
    await sendBounded(schedule.count, sizes.maxInFlight, (index) => system.send(message(index)));
  } else {
    await fill(system, schedule.count, sizes.maxInFlight, message);
  }
  const enqueuedAt = now();
  const notes: string[] = [];
  if (enqueuedAt > firstDueAt) {
    notes.push(`enqueueing ended ${enqueuedAt - firstDueAt} ms after the first due time`);
  }
  const lastDueAt = dueAt(schedule.count - 1);
  const complete = await tracker.waitForAll(lastDueAt + schedule.capAfterDueMs);
  const stoppedAt = now();
  const usage = cpu.stop();
  await system.stopWorkers();
  if (!complete) {
    notes.push(
      `capped: ${schedule.count - tracker.handled} of ${schedule.count} not handled ${schedule.capAfterDueMs / 1000} s after the last due time`,
    );
  }
  return {
    requested: schedule.count,
    handled: tracker.handled,
    duplicates: tracker.duplicates,
    capped: !complete,
    elapsedMs: (complete ? tracker.lastHandledAt : stoppedAt) - startedAt,
    enqueueMs: enqueuedAt - startedAt,
    throughput: null,
    lateness: summarizeLateness(latenesses(tracker.handledAt, dueAt, stoppedAt)),
    cpu: cpuMetrics(usage, tracker.handled, env.definition.services, complete),
    path: 'scheduled',
    notes,
    maxRssMiB: maxRssMiB(),
  };
}

/** Scheduled burst: every message due at one instant, a few seconds after enqueueing ends. */
export const scheduledBurstScenario: Scenario = {
  name: 'scheduled-burst',
  needsScheduling: true,
  description: (sizes) =>
    `${sizes.burst.count.toLocaleString('en-US')} messages sent one by one, all due at one instant ≥ ${sizes.burst.minLeadMs / 1000} s ahead (after enqueueing ends); lateness = handling − due time (wait capped ${sizes.burst.capAfterDueMs / 1000} s after due)`,
  budgetMs: (sizes) => MAX_LEAD_MS + sizes.burst.capAfterDueMs,
  run: (env) =>
    runSchedule(env, {
      count: env.sizes.burst.count,
      minLeadMs: env.sizes.burst.minLeadMs,
      capAfterDueMs: env.sizes.burst.capAfterDueMs,
      dueAt: (first) => first,
      enqueue: 'individual',
    }),
};

/** Scheduled steady: a constant rate of due times, everything enqueued ahead of time. */
export const scheduledSteadyScenario: Scenario = {
  name: 'scheduled-steady',
  needsScheduling: true,
  description: (sizes) =>
    `${sizes.steady.perSecond}/s due over ${sizes.steady.seconds} s (${steadyCount(sizes).toLocaleString('en-US')} messages), all enqueued ahead of time; lateness = handling − due time (wait capped ${sizes.steady.capAfterDueMs / 1000} s after the last due)`,
  budgetMs: (sizes) => MAX_LEAD_MS + sizes.steady.seconds * 1000 + sizes.steady.capAfterDueMs,
  run: (env) => {
    const intervalMs = 1000 / env.sizes.steady.perSecond;
    return runSchedule(env, {
      count: steadyCount(env.sizes),
      minLeadMs: env.sizes.steady.minLeadMs,
      capAfterDueMs: env.sizes.steady.capAfterDueMs,
      dueAt: (first, index) => first + Math.round(index * intervalMs),
      enqueue: 'fill',
    });
  },
};

function steadyCount(sizes: SuiteSizes): number {
  return sizes.steady.perSecond * sizes.steady.seconds;
}
