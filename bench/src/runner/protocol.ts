import type { SuiteSizes } from '../config/sizes.js';
import type { RunMetrics, ScenarioName } from '../scenarios/scenario.js';
import type { ServiceUrls } from '../systems/system.js';

/** What the parent asks one child process to do. */
export interface ChildSpec {
  /** Registry name of the system. */
  readonly system: string;
  /** The scenario to run once, or null to only tear down what run `runId` left behind. */
  readonly scenario: ScenarioName | null;
  readonly runId: string;
  readonly sizes: SuiteSizes;
  readonly urls: ServiceUrls;
}

/** What a child reports back: the metrics, or where and why it failed. */
export type ChildOutcome =
  | { readonly ok: true; readonly metrics: RunMetrics | null; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly phase: string; readonly error: string; readonly warnings: readonly string[] };

/** Prefix of the one stdout line that carries the outcome; libraries may print other lines. */
export const RESULT_MARKER = '@@bench-outcome ';

/** Finds and parses the outcome line in a child's stdout, or null if there is none. */
export function parseOutcome(stdout: string): ChildOutcome | null {
  const line = stdout
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith(RESULT_MARKER));
  if (line === undefined) return null;
  try {
    return JSON.parse(line.slice(RESULT_MARKER.length)) as ChildOutcome;
  } catch {
    return null;
  }
}
