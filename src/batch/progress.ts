/**
 * A batch's rate is read from per-bucket counters of finished items (table `batch_progress`),
 * which every runner process adds to as it records outcomes: any process can then tell the
 * recent rate without having watched the run.
 */

/** Width of one progress bucket, in ms. */
export const PROGRESS_BUCKET_MS = 2_000;

/** How far back the rate looks, in ms. */
export const RATE_WINDOW_MS = 30_000;

/** The shortest span a rate is computed over, in ms, so that a run just begun does not show a spike. */
const MIN_SPAN_MS = 1_000;

/** Finished items counted in one bucket. */
export interface ProgressBucket {
  /** Start of the bucket, ms since the epoch (a multiple of the bucket width). */
  start: number;
  done: number;
}

/** The bucket a time falls in. */
export function bucketOf(at: number, bucketMs = PROGRESS_BUCKET_MS): number {
  return Math.floor(at / bucketMs) * bucketMs;
}

/** The time a batch's rate is read at: now, or when it finished, so a finished batch keeps its last rate. */
export function rateAsOf(batch: { finishedAt: number | null }, now: number): number {
  return batch.finishedAt !== null ? Math.min(now, batch.finishedAt) : now;
}

/** Where a rate window starts: `windowMs` before now, but never before the run (re)started. */
export function rateWindowStart(now: number, activeSince: number | null, windowMs = RATE_WINDOW_MS): number {
  return Math.max(now - windowMs, activeSince ?? Number.NEGATIVE_INFINITY);
}

/**
 * Items finished per second over the window ending `now`. A bucket straddling a window start 30 s
 * back counts in proportion to its part inside; one straddling the run's (re)start counts whole,
 * since nearly all of it was done after; the current bucket counts whole (it holds only what is
 * already done).
 */
export function recentRate(
  buckets: readonly ProgressBucket[],
  now: number,
  activeSince: number | null,
  windowMs = RATE_WINDOW_MS,
  bucketMs = PROGRESS_BUCKET_MS,
): number {
  const windowStart = rateWindowStart(now, activeSince, windowMs);
  if (!(now > windowStart)) return 0;
  const startsAtRun = activeSince !== null && windowStart === activeSince;
  let done = 0;
  for (const bucket of buckets) {
    const end = bucket.start + bucketMs;
    if (end <= windowStart || bucket.start > now) continue;
    const whole = bucket.start >= windowStart || startsAtRun;
    done += whole ? bucket.done : (bucket.done * (end - windowStart)) / bucketMs;
  }
  const spanMs = Math.max(now - windowStart, MIN_SPAN_MS);
  return (done * 1000) / spanMs;
}

/** Seconds until `remaining` items are done at `rate` items/s: 0 when none remain, null when unknown. */
export function etaSeconds(remaining: number, rate: number): number | null {
  if (remaining <= 0) return 0;
  if (!(rate > 0)) return null;
  return Math.ceil(remaining / rate);
}
