import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { readNdjsonRecipients } from './ndjson.js';
import { chunks, collect, errorsOf, rowsOf, settle } from './testing/streams.js';

const read = (text: string, options = {}) => collect(readNdjsonRecipients(chunks(text), options));

describe('readNdjsonRecipients', () => {
  it('reads one object per line, `to` apart and any JSON values as vars', async () => {
    const text = [
      '{"to":"a@x.io","name":"Ada","age":36,"vip":true,"plan":{"name":"pro","seats":[1,2]},"note":null}',
      '{"to":"b@x.io"}',
    ].join('\n');
    expect(await read(text)).toEqual([
      {
        ok: true,
        row: {
          line: 1,
          to: 'a@x.io',
          vars: { name: 'Ada', age: 36, vip: true, plan: { name: 'pro', seats: [1, 2] }, note: null },
        },
      },
      { ok: true, row: { line: 2, to: 'b@x.io', vars: {} } },
    ]);
  });

  it('skips blank lines, keeps counting them, and accepts CRLF and a BOM', async () => {
    const items = await read('\uFEFF{"to":"a@x.io"}\r\n\r\n   \n{"to":"b@x.io"}\r\n\n');
    expect(rowsOf(items)).toEqual([
      [1, 'a@x.io', {}],
      [4, 'b@x.io', {}],
    ]);
    expect(errorsOf(items)).toEqual([]);
  });

  it('reports bad lines by line number and rule, and goes on', async () => {
    const text = [
      '{"to":"a@x.io"}',
      '{"to": "b@x.io"', // cut short
      '["to","c@x.io"]',
      '42',
      '{"name":"no recipient"}',
      '{"to":""}',
      '{"to":5}',
      '{"to":"  d@x.io  "}',
    ].join('\n');
    const items = await read(text);
    expect(errorsOf(items)).toEqual([
      [2, 'invalid_json'],
      [3, 'not_object'],
      [4, 'not_object'],
      [5, 'missing_to'],
      [6, 'missing_to'],
      [7, 'type'],
    ]);
    expect(rowsOf(items)).toEqual([
      [1, 'a@x.io', {}],
      [8, 'd@x.io', {}],
    ]);
    const reasons = items.flatMap((item) => (item.ok ? [] : [item.error.reason]));
    expect(reasons[0]).toMatch(/^not valid JSON: /);
    expect(reasons.slice(1)).toEqual([
      'must be a JSON object, got an array',
      'must be a JSON object, got a number',
      'to: required',
      'to: must not be empty',
      'to: must be a string, got a number',
    ]);
  });

  it('refuses a row holding what no database can store (a lone surrogate, NUL), naming the field', async () => {
    const text = ['{"to":"#a\\ud800"}', '{"to":"#b","name":"x\\udc00"}', '{"to":"#c\\u0000"}', '{"to":"#d","name":"\\ud83d\\ude00"}'].join('\n');
    const items = await read(text);
    expect(items.flatMap((item) => (item.ok ? [] : [[item.error.line, item.error.rule, item.error.field, item.error.reason]]))).toEqual([
      [1, 'lone_surrogate', 'to', 'to: must not contain a lone UTF-16 surrogate (U+D800 to U+DFFF outside a pair)'],
      [2, 'lone_surrogate', 'name', 'name: must not contain a lone UTF-16 surrogate (U+D800 to U+DFFF outside a pair)'],
      [3, 'nul_character', 'to', 'to: must not contain the NUL character (U+0000)'],
    ]);
    expect(rowsOf(items)).toEqual([[4, '#d', { name: '\u{1F600}' }]]);
  });

  it('reports a line longer than maxRecordBytes without keeping it, and goes on', async () => {
    const long = `{"to":"a@x.io","pad":"${'x'.repeat(1000)}"}`;
    const items = await collect(readNdjsonRecipients(chunks(`${long}\n{"to":"b@x.io"}\n`, [64]), { maxRecordBytes: 100 }));
    expect(items).toEqual([
      { ok: false, error: { line: 1, rule: 'record_too_long', reason: 'line is longer than 100 bytes' } },
      { ok: true, row: { line: 2, to: 'b@x.io', vars: {} } },
    ]);
  });

  it('throws at the first bad line when strict, naming it', async () => {
    const { items, error } = await settle(readNdjsonRecipients(chunks('{"to":"a@x.io"}\nnope\n{"to":"b@x.io"}\n'), { strict: true }));
    expect(rowsOf(items)).toEqual([[1, 'a@x.io', {}]]);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]).toMatchObject({ path: 'line 2', rule: 'invalid_json' });
    expect((error as ValidationError).message).toMatch(/^line 2: not valid JSON/);
  });

  it('reads the same rows however the bytes are cut, even inside a multi-byte character', async () => {
    const text = '{"to":"ü@x.io","name":"Zoë 🦊"}\n{"to":"b@x.io","name":"日本"}\n';
    const whole = await read(text);
    expect(rowsOf(whole)).toEqual([
      [1, 'ü@x.io', { name: 'Zoë 🦊' }],
      [2, 'b@x.io', { name: '日本' }],
    ]);
    for (const sizes of [[1], [2, 5], [3, 1, 4]]) {
      expect(await collect(readNdjsonRecipients(chunks(text, sizes)))).toEqual(whole);
    }
  });

  it('reads a Node Readable of strings', async () => {
    const items = await collect(readNdjsonRecipients(Readable.from(['{"to":', '"a@x.io"}\n{"to":"b@x.io"}'])));
    expect(rowsOf(items).map(([line, to]) => [line, to])).toEqual([
      [1, 'a@x.io'],
      [2, 'b@x.io'],
    ]);
  });

  it('keeps a __proto__ key as plain data', async () => {
    const [item] = await read('{"to":"a@x.io","__proto__":{"admin":true}}\n');
    expect(item?.ok && Object.hasOwn(item.row.vars, '__proto__')).toBe(true);
    expect(item?.ok && Object.getPrototypeOf(item.row.vars)).toBe(Object.prototype);
  });
});
