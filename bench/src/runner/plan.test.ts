import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../scenarios/index.js';
import { inMemoryDefinition } from '../systems/in-memory.js';
import { planRuns } from './plan.js';

describe('planRuns', () => {
  const a = inMemoryDefinition({ scheduling: true, name: 'a' });
  const b = { ...inMemoryDefinition({ scheduling: false, name: 'b' }), schedulingNote: 'no timers' };

  it('interleaves systems within each scenario, round after round', () => {
    const { runs } = planRuns([a, b], SCENARIOS.filter((s) => s.name === 'immediate' || s.name === 'backlog'), 2);
    expect(runs.map((run) => `${run.round}:${run.scenario}:${run.system}`)).toEqual([
      '1:immediate:a', '1:immediate:b', '1:backlog:a', '1:backlog:b',
      '2:immediate:a', '2:immediate:b', '2:backlog:a', '2:backlog:b',
    ]);
  });

  it('leaves out scheduled scenarios on systems that cannot schedule, saying why once', () => {
    const { runs, unsupported } = planRuns([a, b], SCENARIOS, 3);
    expect(runs.filter((run) => run.system === 'b').map((run) => run.scenario)).not.toContain('scheduled-burst');
    expect(runs).toHaveLength(3 * (4 + 2));
    expect(unsupported).toEqual([
      { system: 'b', scenario: 'scheduled-burst', reason: 'no timers' },
      { system: 'b', scenario: 'scheduled-steady', reason: 'no timers' },
    ]);
  });
});
