import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * A logger that writes each distinct line (level and message text) at most once per
 * `intervalMs`; the next one written says how many like it were held back meanwhile
 * (`suppressed`). For conditions every message in flight meets at once, such as the store being
 * down, where one line per message per try would drown the log and say nothing more.
 */
export function throttledLogger(logger: Logger, clock: Clock, intervalMs: number): Logger {
  const last = new Map<string, { at: number; suppressed: number }>();
  const write =
    (level: Level) =>
    (fields: object, message?: string): void => {
      const key = `${level} ${message ?? ''}`;
      const now = clock.now();
      const seen = last.get(key);
      if (seen && now - seen.at < intervalMs) {
        seen.suppressed++;
        return;
      }
      last.set(key, { at: now, suppressed: 0 });
      logger[level](seen && seen.suppressed > 0 ? { ...fields, suppressed: seen.suppressed } : fields, message);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (bindings) => throttledLogger(logger.child(bindings), clock, intervalMs),
  };
}
