import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Where scenarios leave their results for the report (one JSON line each). */
export const RESULTS_FILE = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'missive-reliability.jsonl');

/** What one scenario measured. */
export interface ScenarioResult {
  scenario: string;
  store: 'sqlite' | 'postgres';
  /** Messages (or batch items) whose acceptance was confirmed to the sender. */
  accepted: number;
  /** Distinct accepted messages delivered. */
  delivered: number;
  /** Accepted but never delivered: must be 0. */
  lost: number;
  /** Deliveries beyond the first of a message. */
  duplicates: number;
  /** Why there were duplicates, or what else is worth knowing. */
  notes: string;
  seconds: number;
}

/** Empties the results file (at the start of a run). */
export function resetResults(): void {
  mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
  rmSync(RESULTS_FILE, { force: true });
}

/** Records one scenario's result. */
export function recordResult(result: ScenarioResult): void {
  mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(result)}\n`);
}

/** Every result recorded in this run. */
export function readResults(): ScenarioResult[] {
  if (!existsSync(RESULTS_FILE)) return [];
  return readFileSync(RESULTS_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ScenarioResult);
}

/** Counts delivered, lost and duplicated among accepted ids, from the ids each delivery carried. */
export function tally(accepted: Iterable<string>, deliveries: readonly string[]): { accepted: number; delivered: number; lost: number; duplicates: number } {
  const acceptedSet = new Set(accepted);
  const seen = new Map<string, number>();
  for (const id of deliveries) seen.set(id, (seen.get(id) ?? 0) + 1);
  let delivered = 0;
  let duplicates = 0;
  for (const id of acceptedSet) {
    const count = seen.get(id) ?? 0;
    if (count > 0) delivered++;
    if (count > 1) duplicates += count - 1;
  }
  return { accepted: acceptedSet.size, delivered, lost: acceptedSet.size - delivered, duplicates };
}
