/** Hand-made results for the report tests: three systems, every kind of cell. */
import { SUITES } from '../config/sizes.js';
import type { RunMetrics, ScenarioName } from '../scenarios/scenario.js';
import { computeRatios } from './ratios.js';
import type { BenchResults, RunRecord, SystemInfo } from './results.js';
import { summarize } from './summarize.js';

const cpu = {
  clientMs: 500,
  otherCores: 0.05,
  wallMs: 2500,
  servicesMs: { rabbitmq: 300, postgres: 0, redis: 0 },
  systemServicesMs: 300,
  clientSecondsPer1k: 0.05,
  servicesSecondsPer1k: 0.03,
};

/** Metrics of a throughput run handling `rate` msgs/s. */
export function throughputMetrics(rate: number, capped = false): RunMetrics {
  return {
    requested: 10_000,
    handled: capped ? 500 : 10_000,
    duplicates: 0,
    capped,
    elapsedMs: (10_000 / rate) * 1000,
    enqueueMs: 1000,
    throughput: rate,
    lateness: null,
    cpu: capped ? { ...cpu, clientSecondsPer1k: null, servicesSecondsPer1k: null } : cpu,
    path: 'immediate',
    notes: capped ? ['capped: 500 of 10000 handled within 6 s'] : [],
    maxRssMiB: 90,
  };
}

/** Metrics of a scheduled run with the given p99 lateness. */
export function latenessMetrics(p99: number, lowerBound = false): RunMetrics {
  return {
    ...throughputMetrics(1),
    throughput: null,
    path: 'scheduled',
    capped: lowerBound,
    lateness: {
      p50: { value: p99 / 2, lowerBound: false },
      p99: { value: p99, lowerBound },
      max: { value: p99 + 5, lowerBound },
      min: 1,
      censored: lowerBound ? 10 : 0,
    },
  };
}

function record(system: string, scenario: ScenarioName, round: number, metrics: RunMetrics | null): RunRecord {
  return {
    round,
    scenario,
    system,
    runId: `r${round}${system}`,
    status: metrics === null ? 'timeout' : 'ok',
    wallMs: 1000,
    metrics,
    phase: metrics === null ? 'run' : null,
    error: metrics === null ? 'the run did not finish in time and was killed' : null,
    warnings: [],
    outputTail: null,
  };
}

const systems: SystemInfo[] = [
  { name: 'missive', role: 'subject', services: ['rabbitmq'], scheduling: true, schedulingNote: null, settings: { prefetch: 100 }, durability: 'durable', versions: {} },
  { name: 'amqplib', role: 'ceiling', services: ['rabbitmq'], scheduling: false, schedulingNote: 'no delay <plugin>', settings: {}, durability: 'durable', versions: { amqplib: '2.3.1' } },
  { name: 'slowq', role: 'peer', services: ['postgres'], scheduling: true, schedulingNote: null, settings: { poll: '2 s' }, durability: 'table', versions: { slowq: '1.0.0' } },
];

/** Results where missive and amqplib succeed, slowq is capped or failing, amqplib can't schedule. */
export function sampleResults(): BenchResults {
  const records: RunRecord[] = [];
  for (const round of [1, 2, 3]) {
    records.push(record('missive', 'immediate', round, throughputMetrics(4000 + round * 100)));
    records.push(record('amqplib', 'immediate', round, throughputMetrics(9000 + round * 100)));
    records.push(record('slowq', 'immediate', round, throughputMetrics(50, true)));
    records.push(record('missive', 'scheduled-burst', round, latenessMetrics(20 + round)));
    records.push(record('slowq', 'scheduled-burst', round, round === 2 ? null : latenessMetrics(3000, true)));
    records.push(record('missive', 'backlog', round, throughputMetrics(6000)));
    records.push(record('amqplib', 'backlog', round, null));
    records.push(record('slowq', 'backlog', round, throughputMetrics(1800)));
  }
  const scenarios: ScenarioName[] = ['immediate', 'scheduled-burst', 'backlog'];
  const unsupported = [{ system: 'amqplib', scenario: 'scheduled-burst' as const, reason: 'no delay <plugin>' }];
  const summary = summarize(records, systems.map((system) => system.name), scenarios, unsupported);
  return {
    formatVersion: 1,
    startedAt: '2026-01-02T03:04:05.000Z',
    finishedAt: '2026-01-02T03:09:05.000Z',
    durationMs: 300_000,
    mode: 'quick',
    runsPerCell: 3,
    only: null,
    scenarios,
    sizes: SUITES.quick,
    scenarioDescriptions: { immediate: 'immediate things', 'scheduled-burst': 'burst things', backlog: 'backlog things' },
    machine: { cpuModel: 'AMD EPYC', cores: 2, memoryGiB: 23.5, os: 'Linux 6 (x64)', node: 'v20.20.2' },
    services: {
      rabbitmq: { reachable: true, version: '3.10.8', settings: null, error: null },
      postgres: { reachable: true, version: '15.20', settings: 'fsync=on', error: null },
      redis: { reachable: false, version: null, settings: null, error: 'ECONNREFUSED' },
    },
    caveats: ['Redis runs WITHOUT persistence'],
    interference: { loadAverageAtStart: 0.2, meanOtherCores: 0.05, maxOtherCores: 0.05 },
    systems,
    unsupported,
    records,
    summary,
    ratios: computeRatios(summary, systems),
  };
}
