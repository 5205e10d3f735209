import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../core/json.js';
import type { RecipientRow } from '../recipients/types.js';
import { escapeHtml } from './html.js';
import { parseTemplate } from './parse.js';
import { renderTemplate } from './render.js';

const names = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,5}$/);
const json = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>;
/** Rows that often have the columns the templates below use, and often a valid recipient. */
const rowArb = fc.record({
  line: fc.integer({ min: 1, max: 1_000_000 }),
  to: fc.oneof(fc.string({ minLength: 1 }), fc.emailAddress(), fc.webUrl(), fc.constant('+14155550100')),
  vars: fc
    .tuple(
      fc.record({ a: fc.oneof(json, fc.string()), b: json, c: fc.string() }, { requiredKeys: [] }),
      fc.dictionary(fc.oneof(names, fc.string()), json, { maxKeys: 4 }),
    )
    .map(([known, other]) => ({ ...other, ...known })),
});

describe('renderTemplate on arbitrary rows', () => {
  const templates = [
    parseTemplate({ channel: 'email', subject: 'Hi {{ a }}', text: '{{b}} {{ a.b }}', html: '<p>{{c}}</p>', from: '{{a}}' }),
    parseTemplate({ channel: 'sms', text: '{{ a }}{{b}}', metadata: { m: '{{c}}' } }),
    parseTemplate({ channel: 'webhook', data: { x: ['{{a}}', { y: '{{ b }}' }], n: 1 } }),
    parseTemplate({ channel: 'chat', text: 'static' }),
  ];

  it('never throws: it returns a message or an error on the row’s line', () => {
    let delivered = 0;
    fc.assert(
      fc.property(fc.constantFrom(...templates), rowArb, (template, row: RecipientRow) => {
        const result = renderTemplate(template, row);
        if ('error' in result) {
          expect(result.error.line).toBe(row.line);
          expect(result.error.reason).not.toBe('');
        } else {
          delivered++;
          expect(result.message.to).toBe(row.to);
          expect(result.message.channel).toBe(template.channel);
        }
      }),
      { numRuns: 300 },
    );
    // The rows must exercise rendering, not only refusals.
    expect(delivered).toBeGreaterThan(0);
  });

  it('puts string values in text as they are and in html escaped', () => {
    const template = parseTemplate({ channel: 'email', subject: 's', text: '[{{v}}]', html: '[{{v}}]' });
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 50 }), (value) => {
        const result = renderTemplate(template, { line: 1, to: 'a@example.com', vars: { v: value } });
        if ('error' in result) throw new Error(result.error.reason);
        expect(result.message.content.text).toBe(`[${value}]`);
        expect(result.message.content.html).toBe(`[${escapeHtml(value)}]`);
        expect(result.message.content.html).not.toMatch(/[<>"']/);
      }),
    );
  });
});
