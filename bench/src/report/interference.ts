import type { RunRecord } from './results.js';

/** How much else ran on the machine while the bench measured. */
export interface Interference {
  /** 1-minute load average when the bench started. */
  readonly loadAverageAtStart: number;
  /** Cores kept busy by other processes, averaged over the timed windows of all runs. */
  readonly meanOtherCores: number | null;
  /** The worst single run. */
  readonly maxOtherCores: number | null;
}

/** Above this many cores busy elsewhere on average, the figures are called disturbed. */
const DISTURBED_MEAN_CORES = 0.2;
/** …or above this many in any one run. */
const DISTURBED_MAX_CORES = 0.5;

/** Summarizes the other-process CPU seen by every successful run. */
export function interferenceOf(records: readonly RunRecord[], loadAverageAtStart: number): Interference {
  const windows = records.flatMap((record) => {
    const cpu = record.metrics?.cpu;
    return cpu?.otherCores == null ? [] : [{ cores: cpu.otherCores, ms: cpu.wallMs }];
  });
  if (windows.length === 0) return { loadAverageAtStart, meanOtherCores: null, maxOtherCores: null };
  const totalMs = windows.reduce((sum, window) => sum + window.ms, 0);
  const busyMs = windows.reduce((sum, window) => sum + window.cores * window.ms, 0);
  return {
    loadAverageAtStart,
    meanOtherCores: totalMs > 0 ? busyMs / totalMs : 0,
    maxOtherCores: Math.max(...windows.map((window) => window.cores)),
  };
}

/** A caveat for the report when other work disturbed the measurements, else null. */
export function interferenceCaveat(interference: Interference): string | null {
  const { meanOtherCores: mean, maxOtherCores: max } = interference;
  if (mean === null || max === null) return null;
  if (mean <= DISTURBED_MEAN_CORES && max <= DISTURBED_MAX_CORES) return null;
  return `Other processes kept ${mean.toFixed(2)} cores busy on average (up to ${max.toFixed(2)} in one run) during the timed windows (load average ${interference.loadAverageAtStart.toFixed(1)} at start): the figures are disturbed, and services CPU includes other clients of the same services; rerun on a quiet machine.`;
}
