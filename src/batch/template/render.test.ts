import { describe, expect, it } from 'vitest';
import type { RecipientRow } from '../recipients/types.js';
import { parseTemplate } from './parse.js';
import { renderTemplate, templatePlaceholders } from './render.js';

const row = (vars: RecipientRow['vars'], to = 'ada@example.com', line = 4): RecipientRow => ({ line, to, vars });

describe('renderTemplate', () => {
  it('fills placeholders in every templated field and validates the message', () => {
    const template = parseTemplate({
      channel: 'email',
      subject: 'Hello {{ name }}',
      text: 'Dear {{name}}, your plan is {{plan}}. Sent to {{ to }}.',
      from: '{{team}}@example.com',
      metadata: { campaign: 'spring', customer: '{{ id }}', nested: { tier: '{{plan}}' } },
      provider: 'inbox',
    });
    const result = renderTemplate(template, row({ name: 'Ada', plan: 'pro', team: 'sales', id: 'c-1' }));
    expect(result).toEqual({
      message: {
        channel: 'email',
        to: 'ada@example.com',
        content: { subject: 'Hello Ada', text: 'Dear Ada, your plan is pro. Sent to ada@example.com.' },
        from: 'sales@example.com',
        provider: 'inbox',
        metadata: { campaign: 'spring', customer: 'c-1', nested: { tier: 'pro' } },
        delivery: { mode: 'immediate' },
      },
    });
  });

  it('HTML-escapes values in html only', () => {
    const template = parseTemplate({
      channel: 'email',
      subject: 'For {{name}}',
      text: 'Hi {{name}}',
      html: '<p title="{{name}}">Hi <b>{{name}}</b></p>',
    });
    const name = `<script>"Tom" & 'Jerry'</script>`;
    const result = renderTemplate(template, row({ name }));
    if (!('message' in result)) throw new Error(result.error.reason);
    expect(result.message.content.subject).toBe(`For ${name}`);
    expect(result.message.content.text).toBe(`Hi ${name}`);
    expect(result.message.content.html).toBe(
      '<p title="&lt;script&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/script&gt;">Hi <b>&lt;script&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/script&gt;</b></p>',
    );
  });

  it('fills strings anywhere inside webhook data, keeps other values and the template as they were', () => {
    const data = { event: 'renewal', user: { id: '{{id}}', tags: ['vip', '{{ plan }}'] }, count: 3, ok: true, none: null };
    const template = parseTemplate({ channel: 'webhook', data });
    const result = renderTemplate(template, row({ id: 'u1', plan: 'pro' }, 'https://hooks.example.com/in'));
    expect(result).toMatchObject({
      message: {
        to: 'https://hooks.example.com/in',
        content: { data: { event: 'renewal', user: { id: 'u1', tags: ['vip', 'pro'] }, count: 3, ok: true, none: null } },
      },
    });
    expect(template.content.data).toEqual(data);
  });

  it('inserts numbers, booleans and objects as JSON text, and null as nothing', () => {
    const template = parseTemplate({ channel: 'chat', text: '{{n}}|{{b}}|{{o}}|{{z}}|{{s}}' });
    const result = renderTemplate(template, row({ n: 2.5, b: false, o: { a: [1] }, z: null, s: 'x' }, '#ops'));
    expect(result).toMatchObject({ message: { content: { text: '2.5|false|{"a":[1]}||x' } } });
  });

  it('reads dotted names as a column first, then as a path into nested values', () => {
    const template = parseTemplate({ channel: 'chat', text: '{{user.name}} / {{plan.tier}} / {{ list.1 }}' });
    const result = renderTemplate(template, row({ 'user.name': 'flat', plan: { tier: 'gold' }, list: ['a', 'b'] }, '#ops'));
    expect(result).toMatchObject({ message: { content: { text: 'flat / gold / b' } } });
  });

  it('refuses a row lacking a column the template uses, naming the column and the line', () => {
    const template = parseTemplate({ channel: 'sms', text: 'Hi {{ name }}, code {{code}} {{ missing.too }}' });
    expect(renderTemplate(template, row({ name: 'Ada' }, '+14155550100', 12))).toEqual({
      error: {
        line: 12,
        rule: 'missing_column',
        field: 'code',
        reason: 'no values for {{ code }}, {{ missing.too }}: the row has no "code", "missing.too" columns',
      },
    });
    expect(renderTemplate(template, row({ name: 'Ada', code: 1 }, '+14155550100', 3))).toMatchObject({
      error: { line: 3, rule: 'missing_column', field: 'missing.too', reason: 'no value for {{ missing.too }}: the row has no "missing.too" column' },
    });
  });

  it('does not find inherited properties as columns', () => {
    const template = parseTemplate({ channel: 'chat', text: '{{constructor}} {{ toString }}' });
    expect(renderTemplate(template, row({}, '#ops'))).toMatchObject({ error: { rule: 'missing_column', field: 'constructor' } });
  });

  it('reports a recipient wrong for the channel as the row’s error, with the line and field', () => {
    const email = parseTemplate({ channel: 'email', subject: 's', text: 't' });
    expect(renderTemplate(email, row({}, 'not-an-address', 9))).toEqual({
      error: { line: 9, rule: 'format', field: 'to', reason: 'to: must be an email address' },
    });
    const sms = parseTemplate({ channel: 'sms', text: 't' });
    expect(renderTemplate(sms, row({}, '0612345678', 2))).toMatchObject({ error: { line: 2, field: 'to', rule: 'format' } });
    const webhook = parseTemplate({ channel: 'webhook', data: {} });
    expect(renderTemplate(webhook, row({}, 'ftp://x.example', 5))).toMatchObject({ error: { line: 5, field: 'to' } });
  });

  it('reports a rendered field that breaks a message rule', () => {
    const template = parseTemplate({ channel: 'email', subject: '{{subject}}', text: 'x' });
    expect(renderTemplate(template, row({ subject: '' }))).toMatchObject({ error: { line: 4, field: 'subject', rule: 'min' } });
    const big = parseTemplate({ channel: 'chat', text: '{{ body }}' });
    expect(renderTemplate(big, row({ body: 'x'.repeat(50_000) }, '#ops'))).toMatchObject({ error: { field: 'text', rule: 'max' } });
  });
});

describe('templatePlaceholders', () => {
  it('lists each column the template uses once, in order of first use', () => {
    const template = parseTemplate({
      channel: 'email',
      subject: '{{ name }} {{plan}}',
      text: '{{name}} {{to}}',
      html: '{{ footer }}',
      from: '{{team}}@x.io',
      metadata: { a: { b: '{{ campaign }}' } },
    });
    expect(templatePlaceholders(template)).toEqual(['name', 'plan', 'to', 'footer', 'team', 'campaign']);
    expect(templatePlaceholders(parseTemplate({ channel: 'chat', text: 'static' }))).toEqual([]);
  });
});
