import cliProgress from 'cli-progress';
import type { BatchView } from './view.js';

/** Shows a batch's progress on a terminal while `missive batch run` works. */
export interface ProgressDisplay {
  update(view: BatchView): void;
  /** Leaves the bar as it last was and moves to the next line. */
  stop(): void;
}

/** `1h02m`, `3m05s`, `42s`: an ETA for people. */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return '--';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * The state shown beside the bar: the status, the reason of a pause, and while an open circuit
 * pauses a batch that resumes by itself, when its provider is probed (local time, `HH:MM:SS`).
 */
export function progressState(view: Pick<BatchView, 'status' | 'reason' | 'autoResume' | 'resumeAt'>): string {
  if (view.status !== 'paused' || view.reason === null) return view.status;
  if (view.reason !== 'circuit_open' || !view.autoResume) return `paused (${view.reason})`;
  const probe = view.resumeAt === null ? 'soon' : `at ${new Date(view.resumeAt).toTimeString().slice(0, 8)}`;
  return `paused: circuit open, probe ${probe}`;
}

/**
 * A progress bar (cli-progress) of done/total with the batch's rate, ETA and status. The rate and
 * ETA are the batch's own (read from the store), so they count every runner's work. On a stream
 * that is not a terminal a plain line is written every few seconds instead.
 */
export function createProgressBar(stream: NodeJS.WritableStream = process.stderr): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {value}/{total} | {rate}/s | ETA {etaText} | {state}',
      hideCursor: null,
      noTTYOutput: true,
      notTTYSchedule: 5_000,
      emptyOnZero: true,
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(view) {
      const payload = {
        rate: view.rate.toFixed(1),
        etaText: formatEta(view.etaSeconds),
        state: progressState(view),
      };
      if (!started) {
        bar.start(view.total, view.done, payload);
        started = true;
      } else bar.update(view.done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
