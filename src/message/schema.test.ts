import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { parseMessage } from './schema.js';

function issuesOf(input: unknown) {
  try {
    parseMessage(input);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseMessage', () => {
  it('accepts an email and defaults to immediate delivery', () => {
    const message = parseMessage({ channel: 'email', to: 'a@example.com', subject: 'Hi', text: 'Hello' });
    expect(message).toEqual({
      channel: 'email',
      to: 'a@example.com',
      content: { subject: 'Hi', text: 'Hello' },
      delivery: { mode: 'immediate' },
    });
  });

  it('accepts content nested under `content` as the same message', () => {
    const nested = parseMessage({ channel: 'sms', to: '+14155550100', content: { text: 'x' } });
    expect(nested.content).toEqual({ text: 'x' });
  });

  it('refuses content given both nested and flat', () => {
    expect(issuesOf({ channel: 'sms', to: '+14155550100', text: 'a', content: { text: 'b' } })[0]?.path).toBe(
      'content.text',
    );
  });

  it('names a missing field and the rule', () => {
    const issues = issuesOf({ channel: 'email', to: 'a@example.com', text: 'x' });
    expect(issues).toContainEqual(expect.objectContaining({ path: 'subject', rule: 'required' }));
  });

  it('requires text or html for email', () => {
    const issues = issuesOf({ channel: 'email', to: 'a@example.com', subject: 's' });
    expect(issues).toContainEqual(expect.objectContaining({ path: 'text', rule: 'required' }));
  });

  it('checks the recipient format per channel', () => {
    expect(issuesOf({ channel: 'email', to: 'nope', subject: 's', text: 't' })[0]).toMatchObject({
      path: 'to',
      rule: 'format',
    });
    expect(issuesOf({ channel: 'sms', to: '0612', text: 't' })[0]).toMatchObject({ path: 'to', rule: 'format' });
    expect(issuesOf({ channel: 'webhook', to: 'ftp://x.example', data: {} })[0]).toMatchObject({
      path: 'to',
      rule: 'format',
    });
  });

  it('rejects an unknown channel by naming the field', () => {
    const issues = issuesOf({ channel: 'pigeon', to: 'x', text: 't' });
    expect(issues[0]?.path).toBe('channel');
    expect(issues[0]?.message).toContain('channel');
  });

  it('rejects unknown keys, one issue per key', () => {
    const issues = issuesOf({ channel: 'chat', to: '#ops', text: 't', colour: 'red' });
    expect(issues).toEqual([{ path: 'colour', rule: 'unknown_key', message: 'colour: unknown key' }]);
  });

  it('rejects fields of another channel', () => {
    expect(issuesOf({ channel: 'sms', to: '+14155550100', text: 't', subject: 's' })[0]).toMatchObject({
      path: 'subject',
      rule: 'unknown_key',
    });
  });

  it('accepts a scheduled time with an offset and refuses one without', () => {
    const ok = parseMessage({
      channel: 'chat',
      to: '#ops',
      text: 't',
      delivery: { mode: 'scheduled', at: '2030-01-01T10:00:00+01:00' },
    });
    expect(ok.delivery).toEqual({ mode: 'scheduled', at: '2030-01-01T10:00:00+01:00' });
    const issues = issuesOf({ channel: 'chat', to: '#ops', text: 't', delivery: { mode: 'scheduled', at: '2030-01-01T10:00:00' } });
    expect(issues[0]).toMatchObject({ path: 'delivery.at', rule: 'format' });
    expect(issues[0]?.message).toContain('offset');
  });

  it('requires a time for scheduled delivery', () => {
    expect(issuesOf({ channel: 'chat', to: '#ops', text: 't', delivery: { mode: 'scheduled' } })[0]).toMatchObject({
      path: 'delivery.at',
      rule: 'required',
    });
  });

  it('accepts any JSON as webhook data', () => {
    expect(parseMessage({ channel: 'webhook', to: 'https://h.example/x', data: [1, { a: null }] }).content.data).toEqual([
      1,
      { a: null },
    ]);
  });

  it('refuses a message over the size limit', () => {
    const issues = issuesOf({ channel: 'webhook', to: 'https://h.example/x', data: 'x'.repeat(300_000) });
    expect(issues[0]?.rule).toBe('max_size');
  });

  it('refuses the NUL character and absurd nesting, naming where', () => {
    expect(issuesOf({ channel: 'sms', to: '+14155550100', text: 'a\u0000b' })[0]).toMatchObject({ path: 'text', rule: 'nul_character' });
    expect(issuesOf({ channel: 'chat', to: '#a\ud800', text: 'x' })).toEqual([expect.objectContaining({ path: 'to', rule: 'lone_surrogate' })]);
    expect(issuesOf({ channel: 'chat', to: '#a', text: 'x', idempotencyKey: '\udc00k' })[0]).toMatchObject({ path: 'idempotencyKey', rule: 'lone_surrogate' });
    let deep: unknown = 'x';
    for (let i = 0; i < 5_000; i++) deep = [deep];
    expect(issuesOf({ channel: 'webhook', to: 'https://h.example/x', data: deep })[0]?.rule).toBe('max_depth');
  });

  it('refuses non-objects with a clear error', () => {
    expect(issuesOf(42)[0]?.path).toBe('(root)');
    expect(issuesOf(null)[0]?.path).toBe('(root)');
  });
});
