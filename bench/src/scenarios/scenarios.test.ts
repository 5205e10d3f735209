import { describe, expect, it } from 'vitest';
import type { SuiteSizes } from '../config/sizes.js';
import { inMemoryDefinition, InMemorySystem } from '../systems/in-memory.js';
import type { BenchMessage } from '../systems/system.js';
import { backlogScenario } from './backlog.js';
import { immediateScenario } from './immediate.js';
import { scheduledBurstScenario, scheduledSteadyScenario } from './scheduled.js';
import type { ScenarioEnv } from './scenario.js';

const sizes: SuiteSizes = {
  immediate: { count: 300, warmup: 10, capMs: 2_000 },
  burst: { count: 100, minLeadMs: 100, capAfterDueMs: 300 },
  steady: { perSecond: 200, seconds: 1, minLeadMs: 100, capAfterDueMs: 300 },
  backlog: { count: 300, capMs: 2_000 },
  payloadBytes: 300,
  maxInFlight: 50,
  concurrency: 10,
};

function env(system: InMemorySystem, scheduling = true): ScenarioEnv {
  return { system, definition: inMemoryDefinition({ scheduling }), sizes, now: Date.now };
}

/** Loses every tenth measured message, as a broken system would. */
class LossySystem extends InMemorySystem {
  override async send(message: BenchMessage): Promise<void> {
    if (message.seq < 1_000_000 && message.seq % 10 === 0) return;
    await super.send(message);
  }
}

describe('immediate scenario', () => {
  it('times every message from first send to last handling', async () => {
    const metrics = await immediateScenario.run(env(new InMemorySystem()));
    expect(metrics.handled).toBe(300);
    expect(metrics.capped).toBe(false);
    expect(metrics.throughput).toBeGreaterThan(0);
    expect(metrics.cpu.clientSecondsPer1k).toBeGreaterThan(0);
    expect(metrics.path).toBe('immediate');
  });

  it('stops at the cap and reports what arrived', async () => {
    const metrics = await immediateScenario.run({
      ...env(new LossySystem()),
      sizes: { ...sizes, immediate: { ...sizes.immediate, capMs: 300 } },
    });
    expect(metrics.capped).toBe(true);
    expect(metrics.handled).toBe(270);
    expect(metrics.cpu.clientSecondsPer1k).toBeNull();
    expect(metrics.notes[0]).toMatch(/capped: 270 of 300/);
  });
});

describe('scheduled scenarios', () => {
  it('burst: every message handled at about its due time', async () => {
    const metrics = await scheduledBurstScenario.run(env(new InMemorySystem()));
    expect(metrics.handled).toBe(100);
    expect(metrics.lateness?.censored).toBe(0);
    expect(metrics.lateness?.p50.value).toBeGreaterThanOrEqual(0);
    expect(metrics.lateness?.max.value).toBeLessThan(200);
  });

  it('steady: lost messages make the high percentiles lower bounds', async () => {
    const metrics = await scheduledSteadyScenario.run(env(new LossySystem()));
    expect(metrics.requested).toBe(200);
    expect(metrics.capped).toBe(true);
    expect(metrics.lateness?.censored).toBe(20);
    expect(metrics.lateness?.p99.lowerBound).toBe(true);
    expect(metrics.lateness?.p50.lowerBound).toBe(false);
  });
});

describe('backlog scenario', () => {
  it('drains scheduled messages that fell due before the workers started', async () => {
    const system = new InMemorySystem();
    const metrics = await backlogScenario.run(env(system));
    expect(metrics.path).toBe('scheduled');
    expect(metrics.handled).toBe(300);
    expect(metrics.throughput).toBeGreaterThan(0);
  });

  it('takes the immediate path on systems that cannot schedule', async () => {
    const metrics = await backlogScenario.run(env(new InMemorySystem(), false));
    expect(metrics.path).toBe('immediate');
    expect(metrics.handled).toBe(300);
  });
});
