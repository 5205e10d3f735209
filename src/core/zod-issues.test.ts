import { describe, expect, it } from 'vitest';
import { formatPath } from './zod-issues.js';

describe('formatPath', () => {
  it('writes names dotted, indexes in brackets, and odd keys quoted', () => {
    expect(formatPath(['delivery', 'at'])).toBe('delivery.at');
    expect(formatPath(['channels', 'email', 'providers', 1])).toBe('channels.email.providers[1]');
    expect(formatPath(['apiKey'], 'providers.sendgrid')).toBe('providers.sendgrid.apiKey');
    expect(formatPath([''])).toBe('[""]');
    expect(formatPath(['metadata', 'a b'])).toBe('metadata["a b"]');
  });
});
