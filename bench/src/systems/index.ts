import { amqplibSystem } from './amqplib.js';
import { bullmqSystem } from './bullmq.js';
import { graphileWorkerSystem } from './graphile-worker.js';
import { missiveSqliteSystem, missiveSystem } from './missive.js';
import { pgBossSystem } from './pg-boss.js';
import type { SystemDefinition } from './system.js';

/**
 * Every system the bench knows, in table order. To add one, write `systems/<name>.ts` exporting
 * a `SystemDefinition` and list it here (Missive goes first: it is the subject).
 */
export const SYSTEMS: readonly SystemDefinition[] = [
  missiveSqliteSystem,
  missiveSystem,
  amqplibSystem,
  bullmqSystem,
  pgBossSystem,
  graphileWorkerSystem,
];

/** The definition named `name`, or undefined. */
export function findSystem(name: string): SystemDefinition | undefined {
  return SYSTEMS.find((system) => system.name === name);
}
