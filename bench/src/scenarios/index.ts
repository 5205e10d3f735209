import { backlogScenario } from './backlog.js';
import { immediateScenario } from './immediate.js';
import { scheduledBurstScenario, scheduledSteadyScenario } from './scheduled.js';
import type { Scenario, ScenarioName } from './scenario.js';

/** Every scenario, in report order. */
export const SCENARIOS: readonly Scenario[] = [
  immediateScenario,
  scheduledBurstScenario,
  scheduledSteadyScenario,
  backlogScenario,
];

/** The scenario named `name`. */
export function scenarioByName(name: ScenarioName): Scenario {
  const scenario = SCENARIOS.find((candidate) => candidate.name === name);
  if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
  return scenario;
}
