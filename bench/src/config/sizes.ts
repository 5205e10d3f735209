/** Scenario sizes and caps for the quick (default) and full suites. Defaults live here only. */

/** The two suites: `quick` for `npm run bench`, `full` for `npm run bench -- --full`. */
export type SuiteMode = 'quick' | 'full';

/** Sizes and limits of every scenario in one suite. */
export interface SuiteSizes {
  /** Immediate end-to-end: messages sent, then handled. */
  readonly immediate: {
    readonly count: number;
    /** Messages sent and drained before timing, to open connections and warm the JIT. */
    readonly warmup: number;
    /** Stop waiting (and report a capped rate) after this long from the first send. */
    readonly capMs: number;
  };
  /** Scheduled, all due at one instant a few seconds after the enqueueing ends. */
  readonly burst: {
    readonly count: number;
    /** Least gap between now and the due instant; widened when enqueueing looks slow. */
    readonly minLeadMs: number;
    /** Stop waiting this long after the due instant; the rest count as at least that late. */
    readonly capAfterDueMs: number;
  };
  /** Scheduled, a steady rate of due times, all enqueued ahead of time. */
  readonly steady: {
    readonly perSecond: number;
    readonly seconds: number;
    readonly minLeadMs: number;
    readonly capAfterDueMs: number;
  };
  /** Backlog: everything enqueued (and due) before any worker starts. */
  readonly backlog: {
    readonly count: number;
    /** Stop waiting this long after the workers start. */
    readonly capMs: number;
  };
  /** Approximate serialized size of each message. */
  readonly payloadBytes: number;
  /** Most sends awaiting acceptance at once, in every scenario. */
  readonly maxInFlight: number;
  /** Prefetch / concurrency every consumer is asked to use. */
  readonly concurrency: number;
}

/** Prefetch / concurrency / batch size every consumer is asked to use (Missive's prefetch). */
export const CONCURRENCY = 100;

const common = { payloadBytes: 300, maxInFlight: 1000, concurrency: CONCURRENCY } as const;

/** The sizes of each suite. */
export const SUITES: Readonly<Record<SuiteMode, SuiteSizes>> = {
  quick: {
    ...common,
    immediate: { count: 15_000, warmup: 100, capMs: 8_000 },
    burst: { count: 2_000, minLeadMs: 2_000, capAfterDueMs: 3_000 },
    steady: { perSecond: 500, seconds: 5, minLeadMs: 2_000, capAfterDueMs: 3_000 },
    backlog: { count: 15_000, capMs: 8_000 },
  },
  full: {
    ...common,
    immediate: { count: 50_000, warmup: 500, capMs: 120_000 },
    burst: { count: 2_000, minLeadMs: 3_000, capAfterDueMs: 30_000 },
    steady: { perSecond: 500, seconds: 20, minLeadMs: 3_000, capAfterDueMs: 30_000 },
    backlog: { count: 100_000, capMs: 120_000 },
  },
};

/** Runs per system and scenario when `--runs` is not given. */
export const DEFAULT_RUNS = 3;

/** Time allowed, beyond a scenario's own caps, for a child to start, set up and tear down. */
export const CHILD_OVERHEAD_MS = 90_000;
