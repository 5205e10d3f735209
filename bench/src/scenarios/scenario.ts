import type { SuiteSizes } from '../config/sizes.js';
import type { CpuUsage } from '../measure/cpu-window.js';
import type { LatenessSummary } from '../measure/stats.js';
import type { BenchMessage, BenchSystem, ServiceName, SystemDefinition } from '../systems/system.js';
import { makePayload, sendBounded } from './enqueue.js';
import { CompletionTracker } from './tracker.js';

/** The scenarios, in report order. */
export const SCENARIO_NAMES = ['immediate', 'scheduled-burst', 'scheduled-steady', 'backlog'] as const;

/** One scenario's name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What a scenario runs against. */
export interface ScenarioEnv {
  readonly system: BenchSystem;
  readonly definition: SystemDefinition;
  readonly sizes: SuiteSizes;
  /** Wall clock, epoch ms. */
  readonly now: () => number;
}

/** CPU of one run, raw and per 1,000 handled messages. */
export interface CpuMetrics extends CpuUsage {
  /** Sum over the services the system declares it uses; null where /proc was unreadable. */
  readonly systemServicesMs: number | null;
  /** Client CPU seconds per 1,000 handled messages. */
  readonly clientSecondsPer1k: number | null;
  /** Declared services' CPU seconds per 1,000 handled messages. */
  readonly servicesSecondsPer1k: number | null;
}

/** What one run of one scenario measured. */
export interface RunMetrics {
  /** Messages the scenario asked for. */
  readonly requested: number;
  /** Distinct messages handled before the bench stopped waiting. */
  readonly handled: number;
  readonly duplicates: number;
  /** True when the bench stopped waiting before every message was handled. */
  readonly capped: boolean;
  /** Measured window: first send (or worker start, for backlog) to the last handling or the cap. */
  readonly elapsedMs: number;
  /** How long enqueueing took (all sends accepted). */
  readonly enqueueMs: number;
  /** Handled messages per second over the window (immediate, backlog). */
  readonly throughput: number | null;
  /** Handling time minus due time (scheduled scenarios). */
  readonly lateness: LatenessSummary | null;
  readonly cpu: CpuMetrics;
  /** Whether messages went through the immediate or the scheduled path. */
  readonly path: 'immediate' | 'scheduled';
  /** Anything that qualifies the figures (e.g. enqueueing overran the due time). */
  readonly notes: readonly string[];
  /** Peak resident memory of the benchmark process, MiB. */
  readonly maxRssMiB: number;
  /** The system's own figures (BenchSystem.internalMetrics), when it reports any. */
  readonly internals?: Readonly<Record<string, number>>;
}

/** A scenario: how long it may take, and how to run it once. */
export interface Scenario {
  readonly name: ScenarioName;
  /** One line for the report. */
  readonly description: (sizes: SuiteSizes) => string;
  /** Whether it can only run on systems that deliver at a set time. */
  readonly needsScheduling: boolean;
  /** Longest it should take given its caps (setup, warm-up and teardown excluded). */
  budgetMs(sizes: SuiteSizes): number;
  run(env: ScenarioEnv): Promise<RunMetrics>;
}

/** Sequence numbers of warm-up messages start here, far from any measured batch. */
export const WARMUP_FIRST_SEQ = 1_000_000_000;
/** Longest wait for the warm-up messages. */
const WARMUP_CAP_MS = 10_000;

/** Routes the system's single handler to whichever tracker is measuring now. */
export class HandlerRouter {
  private target: CompletionTracker | undefined;
  /** Pass this to `startWorkers`. */
  readonly handler = (seq: number): void => {
    this.target?.record(seq);
  };
  /** Sends subsequent handlings to `tracker`. */
  use(tracker: CompletionTracker): void {
    this.target = tracker;
  }
}

/** Builds the messages of a scenario, all with the same filler. */
export function messageFactory(sizes: SuiteSizes): (seq: number, dueAt: number | null) => BenchMessage {
  const payload = makePayload(sizes.payloadBytes);
  return (seq, dueAt) => ({ seq, dueAt, payload });
}

/**
 * Sends and drains a few immediate messages with workers running, so connections are open and
 * hot paths compiled before timing. Returns the observed send rate (messages/s), which scheduled
 * scenarios use to choose how far ahead to schedule.
 */
export async function warmUp(env: ScenarioEnv, router: HandlerRouter): Promise<number> {
  const count = env.sizes.immediate.warmup;
  const tracker = new CompletionTracker(count, env.now, WARMUP_FIRST_SEQ);
  router.use(tracker);
  const build = messageFactory(env.sizes);
  const started = env.now();
  await sendBounded(count, env.sizes.maxInFlight, (index) => env.system.send(build(WARMUP_FIRST_SEQ + index, null)));
  const sendMs = Math.max(1, env.now() - started);
  await tracker.waitForAll(env.now() + WARMUP_CAP_MS);
  return (count / sendMs) * 1000;
}

/**
 * CPU figures of a run that handled `handled` messages. Per-message figures only when the run
 * completed: a capped run spent CPU on messages it sent but never saw handled, so dividing by the
 * handled ones would overstate the cost.
 */
export function cpuMetrics(
  usage: CpuUsage,
  handled: number,
  services: readonly ServiceName[],
  complete: boolean,
): CpuMetrics {
  const systemServicesMs =
    usage.servicesMs === null ? null : services.reduce((sum, service) => sum + (usage.servicesMs?.[service] ?? 0), 0);
  const per1k = (ms: number | null): number | null =>
    ms === null || handled === 0 || !complete ? null : ms / handled;
  // ms per message equals seconds per 1,000 messages.
  return {
    ...usage,
    systemServicesMs,
    clientSecondsPer1k: per1k(usage.clientMs),
    servicesSecondsPer1k: per1k(systemServicesMs),
  };
}

/** Peak resident memory of this process in MiB. */
export function maxRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
