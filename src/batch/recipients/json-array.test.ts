import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { readJsonArrayRecipients } from './json-array.js';

describe('readJsonArrayRecipients', () => {
  it('yields rows and row errors numbered index + 1', () => {
    const items = [...readJsonArrayRecipients([{ to: 'a@x.io', n: 1 }, 'nope', { name: 'x' }, { to: ' b@x.io ', tags: ['a'] }])];
    expect(items).toEqual([
      { ok: true, row: { line: 1, to: 'a@x.io', vars: { n: 1 } } },
      { ok: false, error: { line: 2, rule: 'not_object', reason: 'must be a JSON object, got a string' } },
      { ok: false, error: { line: 3, rule: 'missing_to', field: 'to', reason: 'to: required' } },
      { ok: true, row: { line: 4, to: 'b@x.io', vars: { tags: ['a'] } } },
    ]);
  });

  it('refuses an element holding a lone surrogate, naming the field', () => {
    const items = [...readJsonArrayRecipients([{ to: 'a@x.io\ud800' }, { to: 'b@x.io', tags: ['\udc00'] }])];
    expect(items.map((item) => (item.ok ? item.row.line : [item.error.line, item.error.rule, item.error.field]))).toEqual([
      [1, 'lone_surrogate', 'to'],
      [2, 'lone_surrogate', 'tags[0]'],
    ]);
  });

  it('refuses anything but an array at once', () => {
    expect(() => readJsonArrayRecipients({ to: 'a@x.io' })).toThrow(ValidationError);
    expect(() => readJsonArrayRecipients(null)).toThrow(/must be an array of objects/);
  });

  it('throws at the first bad element when strict', () => {
    const read = () => [...readJsonArrayRecipients([{ to: 'a@x.io' }, { to: 3 }], { strict: true })];
    expect(read).toThrow(ValidationError);
    expect(read).toThrow('line 2: to: must be a string, got a number');
  });
});
