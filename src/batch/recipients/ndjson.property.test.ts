import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { readNdjsonRecipients } from './ndjson.js';
import { chunks, collect, settle } from './testing/streams.js';
import { malformation } from './testing/well-formed.js';

const jsonish = fc.string({
  unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', 't', 'o', '1', ' ', '\n', '\r', '\\', 'é', '🦊', 'null'),
  maxLength: 40,
});
const chunkSizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 });

describe('readNdjsonRecipients on arbitrary input', () => {
  it('never crashes on garbage: every item is a well-formed row or row error', async () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.array(jsonish, { maxLength: 15 }).map((lines) => lines.join('\n')),
      fc
        .array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ to: fc.jsonValue({ maxDepth: 1 }) })), { maxLength: 10 })
        .map((values) => values.map((value) => JSON.stringify(value)).join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(garbage, chunkSizes, async (input, sizes) => {
        const { items, error } = await settle(readNdjsonRecipients(chunks(input, sizes), { maxRecordBytes: 64 }));
        if (error !== undefined) throw error;
        expect(malformation(items)).toBeUndefined();
      }),
    );
  });

  it('throws only ValidationErrors when strict', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jsonish, { maxLength: 10 }), chunkSizes, async (lines, sizes) => {
        const { items, error } = await settle(readNdjsonRecipients(chunks(lines.join('\n'), sizes), { strict: true }));
        if (error !== undefined && !(error instanceof ValidationError)) throw error;
        expect(items.every((item) => item.ok)).toBe(true);
      }),
    );
  });

  it('reads back what a correct writer wrote, with each row’s line', async () => {
    const recipient = fc.string({ minLength: 1 }).filter((to) => to === to.trim() && to !== '');
    const vars = fc.dictionary(
      fc.string().filter((key) => key !== 'to'),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 },
    );
    const entry = fc.record({ to: recipient, vars, blankLinesBefore: fc.integer({ min: 0, max: 2 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 20 }), fc.constantFrom('\n', '\r\n'), chunkSizes, async (entries, newline, sizes) => {
        let text = '';
        let line = 1;
        const expected = [];
        for (const { to, vars: values, blankLinesBefore } of entries) {
          text += newline.repeat(blankLinesBefore);
          line += blankLinesBefore;
          text += JSON.stringify({ ...values, to }) + newline;
          expected.push({ ok: true, row: { line, to, vars: JSON.parse(JSON.stringify(values)) as unknown } });
          line++;
        }
        expect(await collect(readNdjsonRecipients(chunks(text, sizes)))).toEqual(expected);
      }),
    );
  });
});
