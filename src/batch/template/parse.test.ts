import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../../core/errors.js';
import { parseTemplate } from './parse.js';

function issuesOf(input: unknown): readonly Issue[] {
  try {
    parseTemplate(input);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseTemplate', () => {
  it('accepts a message without a recipient, with placeholders in its strings', () => {
    const template = parseTemplate({
      channel: 'email',
      subject: 'Hello {{ name }}',
      html: '<p>Hi {{name}}</p>',
      from: '{{sender}}@example.com',
      metadata: { campaign: 'spring', user: '{{ id }}' },
    });
    expect(template).toEqual({
      channel: 'email',
      content: { subject: 'Hello {{ name }}', html: '<p>Hi {{name}}</p>' },
      from: '{{sender}}@example.com',
      metadata: { campaign: 'spring', user: '{{ id }}' },
    });
  });

  it('accepts content nested under `content` and webhook data of any JSON', () => {
    const template = parseTemplate({ channel: 'webhook', content: { data: { user: { id: '{{id}}' }, n: [1, '{{ n }}'] } } });
    expect(template.content.data).toEqual({ user: { id: '{{id}}' }, n: [1, '{{ n }}'] });
  });

  it('returns a frozen copy, leaving the input alone', () => {
    const input = { channel: 'webhook', data: { a: ['{{x}}'] } };
    const template = parseTemplate(input);
    expect(Object.isFrozen(template)).toBe(true);
    expect(Object.isFrozen(template.content.data)).toBe(true);
    expect(Object.isFrozen(input.data)).toBe(false);
  });

  it('refuses a recipient, at the top or inside content', () => {
    expect(issuesOf({ channel: 'sms', to: '+14155550100', text: 'x' })).toEqual([
      {
        path: 'to',
        rule: 'not_allowed',
        message: 'to: a template must not have a recipient; each recipient row gives its own "to"',
      },
    ]);
    expect(issuesOf({ channel: 'sms', content: { to: '+14155550100', text: 'x' } })[0]).toMatchObject({
      path: 'content.to',
      rule: 'not_allowed',
    });
  });

  it('refuses an idempotency key and a delivery, saying why', () => {
    const issues = issuesOf({
      channel: 'chat',
      text: 'x',
      idempotencyKey: 'k',
      delivery: { mode: 'scheduled', at: '2030-01-01T00:00:00Z' },
    });
    expect(issues.map((issue) => [issue.path, issue.rule])).toEqual([
      ['idempotencyKey', 'not_allowed'],
      ['delivery', 'not_allowed'],
    ]);
    expect(issues[0]?.message).toContain('<batchId>:<item number>');
    expect(issues[1]?.message).toContain('a batch has its own start time');
  });

  it('applies every message rule but the recipient, reporting all issues at once', () => {
    const issues = issuesOf({ channel: 'email', to: 'x@example.com', text: 'body', colour: 'red' });
    expect(issues.map((issue) => [issue.path, issue.rule])).toEqual([
      ['to', 'not_allowed'],
      ['subject', 'required'],
      ['colour', 'unknown_key'],
    ]);
    expect(issuesOf({ channel: 'pigeon', text: 'x' })[0]?.path).toBe('channel');
    expect(issuesOf({ channel: 'sms', text: '' })[0]).toMatchObject({ path: 'text', rule: 'min' });
  });

  it('refuses braces that are not a valid placeholder, naming where', () => {
    const issues = issuesOf({
      channel: 'webhook',
      data: { greeting: 'Hi {{ first name }}', list: ['{{}}'] },
      metadata: { ok: '{{ fine }}', bad: '{{9lives}}' },
    });
    expect(issues.map((issue) => [issue.path, issue.rule])).toEqual([
      ['data.greeting', 'placeholder'],
      ['data.list[0]', 'placeholder'],
      ['metadata.bad', 'placeholder'],
    ]);
    expect(issues[0]?.message).toContain('"{{ first name }}" is not a valid placeholder');
  });

  it('leaves a lone pair of braces alone, and refuses placeholders in provider', () => {
    expect(parseTemplate({ channel: 'chat', text: 'set {{ x to 1' }).content.text).toBe('set {{ x to 1');
    expect(issuesOf({ channel: 'chat', text: 'x', provider: '{{ p }}' })).toEqual([
      { path: 'provider', rule: 'placeholder', message: 'provider: placeholders are not allowed here' },
    ]);
  });

  it('refuses a non-object', () => {
    expect(issuesOf('hello')[0]).toMatchObject({ path: '(root)', rule: 'type' });
    expect(issuesOf([])[0]).toMatchObject({ path: '(root)', rule: 'type' });
  });
});
