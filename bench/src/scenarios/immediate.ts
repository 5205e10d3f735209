import { startCpuWindow } from '../measure/cpu-window.js';
import { sendBounded } from './enqueue.js';
import { cpuMetrics, HandlerRouter, maxRssMiB, messageFactory, warmUp } from './scenario.js';
import type { RunMetrics, Scenario, ScenarioEnv } from './scenario.js';
import { CompletionTracker } from './tracker.js';

/**
 * Immediate end-to-end: with workers running, send N messages (at most `maxInFlight` unaccepted
 * at once) and time from the first send to the last handling. Also the CPU scenario.
 */
export const immediateScenario: Scenario = {
  name: 'immediate',
  needsScheduling: false,
  description: (sizes) =>
    `${sizes.immediate.count.toLocaleString('en-US')} messages of ~${sizes.payloadBytes} B sent with ≤ ${sizes.maxInFlight.toLocaleString('en-US')} pending sends, workers running; msgs/s from first send to last handling (capped at ${sizes.immediate.capMs / 1000} s)`,
  budgetMs: (sizes) => sizes.immediate.capMs,
  async run(env: ScenarioEnv): Promise<RunMetrics> {
    const { system, sizes, now } = env;
    const { count, capMs } = sizes.immediate;
    const router = new HandlerRouter();
    await system.startWorkers(router.handler);
    await warmUp(env, router);

    const tracker = new CompletionTracker(count, now);
    router.use(tracker);
    const build = messageFactory(sizes);
    const cpu = startCpuWindow();
    const startedAt = now();
    const deadline = startedAt + capMs;
    let enqueueMs = Number.NaN;
    const sending = sendBounded(
      count,
      sizes.maxInFlight,
      (index) => system.send(build(index, null)),
      () => now() >= deadline,
    ).then(() => {
      enqueueMs = now() - startedAt;
    });
    // A failed send must end the wait at once rather than at the cap.
    const sendFailure = sending.then(
      () => new Promise<never>(() => undefined),
      (error: unknown) => Promise.reject(error),
    );
    const complete = await Promise.race([tracker.waitForAll(deadline), sendFailure]);
    const stoppedAt = now();
    const usage = cpu.stop();
    await sending;
    await system.stopWorkers();

    const elapsedMs = complete ? tracker.lastHandledAt - startedAt : stoppedAt - startedAt;
    return {
      requested: count,
      handled: tracker.handled,
      duplicates: tracker.duplicates,
      capped: !complete,
      elapsedMs,
      enqueueMs,
      throughput: (tracker.handled / Math.max(1, elapsedMs)) * 1000,
      lateness: null,
      cpu: cpuMetrics(usage, tracker.handled, env.definition.services, complete),
      path: 'immediate',
      notes: complete ? [] : [`capped: ${tracker.handled} of ${count} handled within ${capMs / 1000} s`],
      maxRssMiB: maxRssMiB(),
    };
  },
};
