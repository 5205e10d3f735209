import type { SuiteMode, SuiteSizes } from '../config/sizes.js';
import type { MachineInfo } from '../env/machine.js';
import type { ServiceStatus } from '../env/services.js';
import type { RunMetrics, ScenarioName } from '../scenarios/scenario.js';
import type { Unsupported } from '../runner/plan.js';
import type { ServiceName, SettingValue, SystemRole } from '../systems/system.js';
import type { Interference } from './interference.js';
import type { Ratio } from './ratios.js';
import type { SummaryCell } from './summarize.js';

/** How one run ended. */
export type RunStatus = 'ok' | 'failed' | 'timeout';

/** One run of one scenario on one system, as collected from its child process. */
export interface RunRecord {
  readonly round: number;
  readonly scenario: ScenarioName;
  readonly system: string;
  readonly runId: string;
  readonly status: RunStatus;
  /** Child process lifetime, including start-up, setup and teardown. */
  readonly wallMs: number;
  readonly metrics: RunMetrics | null;
  /** Phase that failed (`setup`, `run`, …) and the error, for failed runs. */
  readonly phase: string | null;
  readonly error: string | null;
  readonly warnings: readonly string[];
  /** End of the child's output, kept for failed runs only. */
  readonly outputTail: string | null;
}

/** One of Missive's own benchmarks (src/extras), over the runs. */
export interface ExtraResult {
  readonly name: string;
  readonly description: string;
  readonly target: string;
  readonly runs: readonly Readonly<Record<string, number>>[];
  readonly failures: readonly string[];
}

/** A system as the report describes it. */
export interface SystemInfo {
  readonly name: string;
  readonly role: SystemRole;
  readonly services: readonly ServiceName[];
  readonly scheduling: boolean;
  readonly schedulingNote: string | null;
  readonly settings: Readonly<Record<string, SettingValue>>;
  readonly durability: string;
  /** Installed versions of its packages. */
  readonly versions: Readonly<Record<string, string | null>>;
}

/** Everything one bench invocation produced: bench/results/latest.json. */
export interface BenchResults {
  readonly formatVersion: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly mode: SuiteMode;
  readonly runsPerCell: number;
  readonly only: readonly string[] | null;
  readonly scenarios: readonly ScenarioName[];
  readonly sizes: SuiteSizes;
  readonly scenarioDescriptions: Readonly<Partial<Record<ScenarioName, string>>>;
  readonly machine: MachineInfo;
  readonly services: Readonly<Record<ServiceName, ServiceStatus>>;
  readonly caveats: readonly string[];
  readonly interference: Interference;
  readonly systems: readonly SystemInfo[];
  readonly unsupported: readonly Unsupported[];
  readonly records: readonly RunRecord[];
  readonly summary: readonly SummaryCell[];
  readonly ratios: readonly Ratio[];
  /** Missive's own benchmarks; absent in results written before they existed. */
  readonly extras?: readonly ExtraResult[];
}
