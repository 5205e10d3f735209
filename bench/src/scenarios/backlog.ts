import { sleep } from '../util/time.js';
import { startCpuWindow } from '../measure/cpu-window.js';
import { fill } from './enqueue.js';
import { cpuMetrics, HandlerRouter, maxRssMiB, messageFactory } from './scenario.js';
import type { RunMetrics, Scenario, ScenarioEnv } from './scenario.js';
import { CompletionTracker } from './tracker.js';

/**
 * How far ahead each backlog message is scheduled when it is sent. Short, so the backlog is due
 * soon after the fill, yet a real delay: a due time of "now" would take most systems' immediate
 * path instead of their scheduled one.
 */
const BACKLOG_DUE_AHEAD_MS = 500;

/**
 * Backlog drain: N messages enqueued — for systems that schedule, as scheduled messages whose due
 * time has passed — before any worker starts; then time from starting the workers to the last
 * handling.
 */
export const backlogScenario: Scenario = {
  name: 'backlog',
  needsScheduling: false,
  description: (sizes) =>
    `${sizes.backlog.count.toLocaleString('en-US')} messages waiting (scheduled and already due where the system schedules) before workers start; msgs/s from worker start to last handling (capped at ${sizes.backlog.capMs / 1000} s)`,
  budgetMs: (sizes) => sizes.backlog.capMs + 60_000,
  async run(env: ScenarioEnv): Promise<RunMetrics> {
    const { system, sizes, now, definition } = env;
    const { count, capMs } = sizes.backlog;
    const scheduled = definition.scheduling;
    const build = messageFactory(sizes);
    let lastDueAt = 0;
    const fillStartedAt = now();
    await fill(system, count, sizes.maxInFlight, (index) => {
      const dueAt = scheduled ? now() + BACKLOG_DUE_AHEAD_MS : null;
      if (dueAt !== null) lastDueAt = dueAt;
      return build(index, dueAt);
    });
    const enqueueMs = now() - fillStartedAt;
    // Let the last due time pass, with a margin for systems that compare against their own clock.
    if (scheduled) await sleep(Math.max(0, lastDueAt + 250 - now()));

    const tracker = new CompletionTracker(count, now);
    const router = new HandlerRouter();
    router.use(tracker);
    const cpu = startCpuWindow();
    const startedAt = now();
    await system.startWorkers(router.handler);
    const complete = await tracker.waitForAll(startedAt + capMs);
    const stoppedAt = now();
    const usage = cpu.stop();
    await system.stopWorkers();

    const elapsedMs = (complete ? tracker.lastHandledAt : stoppedAt) - startedAt;
    return {
      requested: count,
      handled: tracker.handled,
      duplicates: tracker.duplicates,
      capped: !complete,
      elapsedMs,
      enqueueMs,
      throughput: (tracker.handled / Math.max(1, elapsedMs)) * 1000,
      lateness: null,
      cpu: cpuMetrics(usage, tracker.handled, definition.services, complete),
      path: scheduled ? 'scheduled' : 'immediate',
      notes: complete ? [] : [`capped: ${tracker.handled} of ${count} handled within ${capMs / 1000} s`],
      maxRssMiB: maxRssMiB(),
    };
  },
};
