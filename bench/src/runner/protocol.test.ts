import { describe, expect, it } from 'vitest';
import { parseOutcome, RESULT_MARKER } from './protocol.js';

describe('parseOutcome', () => {
  it('finds the outcome line among library chatter', () => {
    const outcome = { ok: false, phase: 'setup', error: 'ECONNREFUSED', warnings: [] };
    const stdout = `some log\n${RESULT_MARKER}not json\nmore\n${RESULT_MARKER}${JSON.stringify(outcome)}\n`;
    expect(parseOutcome(stdout)).toEqual(outcome);
  });

  it('returns null without an outcome line or with a broken one', () => {
    expect(parseOutcome('crashed before reporting')).toBeNull();
    expect(parseOutcome(`${RESULT_MARKER}{"ok":`)).toBeNull();
  });
});
