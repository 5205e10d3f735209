import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { readCsvRecipients } from './csv.js';
import { chunks, collect, settle } from './testing/streams.js';
import { malformation } from './testing/well-formed.js';

/** Characters that stress a CSV parser, mixed with ordinary text. */
const csvText = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\r', '\n', 'é', '🦊', '\uFEFF', "'", '\t'), maxLength: 12 }),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const chunkSizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 });

function quote(value: string, always: boolean): string {
  return always || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Line of each record in `text`, as an editor counts: CRLF, CR and LF are one break each. */
function lineAt(text: string, offset: number): number {
  return 1 + (text.slice(0, offset).match(/\r\n|\r|\n/g)?.length ?? 0);
}

describe('readCsvRecipients on arbitrary input', () => {
  it('never crashes on garbage: it yields well-formed items or refuses the file', async () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.array(csvText, { maxLength: 20 }).map((parts) => parts.join('')),
      fc.array(csvText, { maxLength: 20 }).map((parts) => `to,name\n${parts.join('')}`),
      fc.array(csvText, { maxLength: 20 }).map((parts) => `\uFEFFname,to\r\n${parts.join('\r\n')}`),
    );
    await fc.assert(
      fc.asyncProperty(garbage, chunkSizes, fc.boolean(), async (input, sizes, strict) => {
        const { items, error } = await settle(readCsvRecipients(chunks(input, sizes), { strict, maxRecordBytes: 200 }));
        if (error !== undefined && !(error instanceof ValidationError)) throw error;
        expect(malformation(items)).toBeUndefined();
        if (strict) expect(items.every((item) => item.ok)).toBe(true);
      }),
    );
  });

  it('reads back what a correct CSV writer wrote, with the lines rows start on', async () => {
    const columnNames = fc.uniqueArray(fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/).filter((name) => name !== 'to'), {
      maxLength: 4,
    });
    const recipient = csvText.filter((to) => to !== '' && to === to.trim());
    const table = columnNames.chain((names) =>
      fc.record({
        names: fc.constant(names),
        toAt: fc.integer({ min: 0, max: names.length }),
        rows: fc.array(fc.record({ to: recipient, values: fc.array(csvText, { minLength: names.length, maxLength: names.length }) }), {
          maxLength: 25,
        }),
      }),
    );
    const layout = fc.record({
      newline: fc.constantFrom('\n', '\r\n'),
      alwaysQuote: fc.boolean(),
      bom: fc.boolean(),
      finalNewline: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(table, layout, chunkSizes, async ({ names, toAt, rows }, style, sizes) => {
        const header = [...names];
        header.splice(toAt, 0, 'to');
        let text = style.bom ? '\uFEFF' : '';
        text += header.map((name) => quote(name, style.alwaysQuote)).join(',');
        const expected = [];
        for (const { to, values } of rows) {
          text += style.newline;
          const line = lineAt(text, text.length);
          const fields = [...values];
          fields.splice(toAt, 0, to);
          text += fields.map((field) => quote(field, style.alwaysQuote)).join(',');
          expected.push({ ok: true, row: { line, to, vars: Object.fromEntries(names.map((name, i) => [name, values[i]])) } });
        }
        if (style.finalNewline) text += style.newline;
        // Rows whose every field is blank are skipped like blank lines: never the case here, as `to` is not blank.
        expect(await collect(readCsvRecipients(chunks(text, sizes)))).toEqual(expected);
      }),
    );
  });
});
