import { describe, expect, it } from 'vitest';
import { validateRowMessage } from './validate-message.js';

describe('validateRowMessage', () => {
  it('returns the parsed message when it is valid', () => {
    expect(validateRowMessage({ channel: 'sms', to: '+14155550100', text: 'hi' }, 3)).toEqual({
      message: { channel: 'sms', to: '+14155550100', content: { text: 'hi' }, delivery: { mode: 'immediate' } },
    });
  });

  it('returns a row error naming the line, the field and the rule instead of throwing', () => {
    expect(validateRowMessage({ channel: 'email', to: 'not-an-address', subject: 's', text: 't' }, 7)).toEqual({
      error: { line: 7, rule: 'format', field: 'to', reason: 'to: must be an email address' },
    });
    expect(validateRowMessage({ channel: 'webhook', to: 'ftp://x.io', data: {} }, 2)).toMatchObject({
      error: { line: 2, field: 'to', rule: 'format' },
    });
  });

  it('lists every issue in the reason', () => {
    const result = validateRowMessage({ channel: 'email', to: 'nope', subject: '' }, 1);
    expect('error' in result && result.error.reason.split('; ').length).toBeGreaterThanOrEqual(2);
  });
});
