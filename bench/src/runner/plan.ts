import type { Scenario, ScenarioName } from '../scenarios/scenario.js';
import type { SystemDefinition } from '../systems/system.js';

/** One child process to run. */
export interface PlannedRun {
  /** 1-based round; every system runs every scenario once per round. */
  readonly round: number;
  readonly scenario: ScenarioName;
  readonly system: string;
}

/** A system and scenario that will not run, and why. */
export interface Unsupported {
  readonly system: string;
  readonly scenario: ScenarioName;
  readonly reason: string;
}

/**
 * Orders the runs round by round, and within a round scenario by scenario with the systems
 * interleaved (A B C D, A B C D, …), so drift in the machine affects every system alike.
 */
export function planRuns(
  systems: readonly SystemDefinition[],
  scenarios: readonly Scenario[],
  rounds: number,
): { runs: PlannedRun[]; unsupported: Unsupported[] } {
  const unsupported: Unsupported[] = [];
  const supported = (system: SystemDefinition, scenario: Scenario): boolean =>
    !scenario.needsScheduling || system.scheduling;
  for (const scenario of scenarios) {
    for (const system of systems) {
      if (!supported(system, scenario)) {
        unsupported.push({
          system: system.name,
          scenario: scenario.name,
          reason: system.schedulingNote ?? 'no delivery at a set time',
        });
      }
    }
  }
  const runs: PlannedRun[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    for (const scenario of scenarios) {
      for (const system of systems) {
        if (supported(system, scenario)) runs.push({ round, scenario: scenario.name, system: system.name });
      }
    }
  }
  return { runs, unsupported };
}
