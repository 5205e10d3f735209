import { describe, expect, it } from 'vitest';
import type { Logger } from './logger.js';
import { throttledLogger } from './throttled-logger.js';

/** Keeps what was written. */
function recordingLogger(lines: { level: string; fields: object; message?: string }[]): Logger {
  const at = (level: string) => (fields: object, message?: string) => void lines.push({ level, fields, message });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => recordingLogger(lines) };
}

describe('throttledLogger', () => {
  it('writes a line at most once per interval and then says how many were held back', () => {
    const lines: { level: string; fields: object; message?: string }[] = [];
    let now = 0;
    const logger = throttledLogger(recordingLogger(lines), { now: () => now }, 10_000);
    for (let i = 0; i < 50; i++) logger.warn({ messageId: `m${i}` }, 'store down');
    expect(lines).toEqual([{ level: 'warn', fields: { messageId: 'm0' }, message: 'store down' }]);
    now = 9_999;
    logger.warn({ messageId: 'late' }, 'store down');
    expect(lines).toHaveLength(1);
    now = 10_000;
    logger.warn({ messageId: 'next' }, 'store down');
    expect(lines[1]).toEqual({ level: 'warn', fields: { messageId: 'next', suppressed: 50 }, message: 'store down' });
  });

  it('throttles each message and level on its own', () => {
    const lines: { level: string; fields: object; message?: string }[] = [];
    const logger = throttledLogger(recordingLogger(lines), { now: () => 0 }, 10_000);
    logger.warn({}, 'a');
    logger.warn({}, 'b');
    logger.error({}, 'a');
    logger.warn({}, 'a');
    expect(lines.map((line) => `${line.level} ${line.message}`)).toEqual(['warn a', 'warn b', 'error a']);
  });
});
