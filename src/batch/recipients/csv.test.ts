import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { readCsvRecipients } from './csv.js';
import { chunks, collect, errorsOf, rowsOf, settle } from './testing/streams.js';

const read = (text: string, options = {}) => collect(readCsvRecipients(chunks(text), options));

async function refusal(text: string, options = {}): Promise<ValidationError> {
  const { error } = await settle(readCsvRecipients(chunks(text), options));
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return error;
}

describe('readCsvRecipients', () => {
  it('reads rows under the header, `to` apart and the other columns as vars', async () => {
    const items = await read('name,to,city\nAda,ada@example.com,London\nAlan,alan@example.com,Wilmslow\n');
    expect(items).toEqual([
      { ok: true, row: { line: 2, to: 'ada@example.com', vars: { name: 'Ada', city: 'London' } } },
      { ok: true, row: { line: 3, to: 'alan@example.com', vars: { name: 'Alan', city: 'Wilmslow' } } },
    ]);
  });

  it('accepts a file without a final newline, and one with only a header', async () => {
    expect(rowsOf(await read('to\na@example.com'))).toEqual([[2, 'a@example.com', {}]]);
    expect(await read('to\n')).toEqual([]);
  });

  it('skips a UTF-8 byte order mark', async () => {
    expect(rowsOf(await read('\uFEFFto,name\na@example.com,Ada\n'))).toEqual([[2, 'a@example.com', { name: 'Ada' }]]);
  });

  it('handles quoted commas, doubled quotes and line breaks, numbering rows by their first line', async () => {
    const text = 'to,note\na@x.io,"one, two"\nb@x.io,"say ""hi"""\nc@x.io,"line 1\nline 2\nline 3"\nd@x.io,after\n';
    expect(rowsOf(await read(text))).toEqual([
      [2, 'a@x.io', { note: 'one, two' }],
      [3, 'b@x.io', { note: 'say "hi"' }],
      [4, 'c@x.io', { note: 'line 1\nline 2\nline 3' }],
      [7, 'd@x.io', { note: 'after' }],
    ]);
  });

  it('numbers lines right with CRLF endings, also inside quoted fields', async () => {
    const text = 'to,note\r\na@x.io,"x\r\ny"\r\nb@x.io,"p\r\nq\r\nr"\r\nc@x.io,z\r\n';
    expect(rowsOf(await read(text))).toEqual([
      [2, 'a@x.io', { note: 'x\r\ny' }],
      [4, 'b@x.io', { note: 'p\r\nq\r\nr' }],
      [7, 'c@x.io', { note: 'z' }],
    ]);
  });

  it('accepts old Mac CR endings and mixed endings', async () => {
    expect(rowsOf(await read('to\ra@x.io\rb@x.io'))).toEqual([
      [2, 'a@x.io', {}],
      [3, 'b@x.io', {}],
    ]);
    expect(rowsOf(await read('to\na@x.io\r\nb@x.io\n'))).toEqual([
      [2, 'a@x.io', {}],
      [3, 'b@x.io', {}],
    ]);
  });

  it('skips blank lines and rows of blank fields, and keeps counting lines', async () => {
    const items = await read('to,name\n\na@x.io,A\n\n\n , \nb@x.io,B\n\n');
    expect(rowsOf(items)).toEqual([
      [3, 'a@x.io', { name: 'A' }],
      [7, 'b@x.io', { name: 'B' }],
    ]);
    expect(errorsOf(items)).toEqual([]);
  });

  it('trims `to` and header names but keeps other values as written', async () => {
    expect(rowsOf(await read(' to , name \n  a@x.io  , Ada \n'))).toEqual([[2, 'a@x.io', { name: ' Ada ' }]]);
  });

  it('reports a row with the wrong number of fields and goes on', async () => {
    const items = await read('to,name\na@x.io\nb@x.io,B\nc@x.io,C,extra\nd@x.io,D\n');
    expect(rowsOf(items).map(([line]) => line)).toEqual([3, 5]);
    expect(items.filter((item) => !item.ok)).toEqual([
      { ok: false, error: { line: 2, rule: 'column_count', reason: 'has 1 field; the header has 2' } },
      { ok: false, error: { line: 4, rule: 'column_count', reason: 'has 3 fields; the header has 2' } },
    ]);
  });

  it('reports an empty `to` and goes on', async () => {
    const items = await read('to,name\n ,A\nb@x.io,B\n');
    expect(items[0]).toEqual({ ok: false, error: { line: 2, rule: 'missing_to', field: 'to', reason: 'to: must not be empty' } });
    expect(rowsOf(items)).toEqual([[3, 'b@x.io', { name: 'B' }]]);
  });

  it('keeps a quote inside an unquoted field as text', async () => {
    expect(rowsOf(await read('to,name\na@x.io,O"Brien\n'))).toEqual([[2, 'a@x.io', { name: 'O"Brien' }]]);
  });

  it('reports a quote left open at the end as an error on the line where the row starts', async () => {
    const items = await read('to,note\na@x.io,fine\nb@x.io,"never closed\nc@x.io,lost\n');
    expect(items).toEqual([
      { ok: true, row: { line: 2, to: 'a@x.io', vars: { note: 'fine' } } },
      {
        ok: false,
        error: { line: 3, rule: 'unclosed_quote', reason: 'a quoted field is not closed before the end of the file' },
      },
    ]);
  });

  it('refuses the file at a record longer than maxRecordBytes, naming its line', async () => {
    const error = await refusal(`to,note\na@x.io,ok\nb@x.io,"${'x'.repeat(500)}\n`, { maxRecordBytes: 100 });
    expect(error.issues[0]).toMatchObject({ path: 'recipients', rule: 'record_too_long' });
    expect(error.message).toContain('line 3');
  });

  it('refuses a header without a `to` column, naming it and the columns found', async () => {
    const error = await refusal('email,name\na@x.io,A\n');
    expect(error.issues).toEqual([
      {
        path: 'recipients',
        rule: 'missing_column',
        message: 'recipients: the header (line 1) has no "to" column; its columns are: "email", "name"',
      },
    ]);
    expect((await refusal('To,name\n')).message).toContain('case-sensitive');
  });

  it('refuses duplicate and unnamed header columns', async () => {
    expect((await refusal('to,name,name\n')).issues[0]).toMatchObject({ rule: 'duplicate_column' });
    expect((await refusal('to,,name\n')).message).toContain('no name for column 2');
  });

  it('refuses a header lacking a required column before yielding any row', async () => {
    const { items, error } = await settle(
      readCsvRecipients(chunks('to,name\na@x.io,A\n'), { requiredColumns: ['to', 'name', 'city', 'plan'] }),
    );
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain('lacks the required columns "city", "plan"');
  });

  it('refuses an empty file and a header left unclosed', async () => {
    expect((await refusal('')).issues[0]?.rule).toBe('empty_file');
    expect((await refusal('\n\n')).issues[0]?.rule).toBe('empty_file');
    expect((await refusal('"to,name\na@x.io,A\n')).issues[0]?.rule).toBe('header');
  });

  it('throws at the first bad row when strict, naming the line', async () => {
    const { items, error } = await settle(readCsvRecipients(chunks('to,name\na@x.io,A\nb@x.io\nc@x.io,C\n'), { strict: true }));
    expect(rowsOf(items)).toEqual([[2, 'a@x.io', { name: 'A' }]]);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'line 3', rule: 'column_count', message: 'line 3: has 1 field; the header has 2' },
    ]);
  });

  it('reads the same rows however the bytes are cut, even inside a multi-byte character', async () => {
    const text = 'to,name\r\nа@x.io,"Zoë, ""the"" 🦊\r\nfox"\r\nb@x.io,Ünïcode\r\n';
    const whole = await read(text);
    for (const sizes of [[1], [2, 3], [5, 1, 7]]) {
      expect(await collect(readCsvRecipients(chunks(text, sizes)))).toEqual(whole);
    }
    expect(rowsOf(whole)).toEqual([
      [2, 'а@x.io', { name: 'Zoë, "the" 🦊\r\nfox' }],
      [4, 'b@x.io', { name: 'Ünïcode' }],
    ]);
  });

  it('reads a Node Readable of strings', async () => {
    const items = await collect(readCsvRecipients(Readable.from(['to,n', 'ame\na@x.io,', 'A\n'])));
    expect(rowsOf(items)).toEqual([[2, 'a@x.io', { name: 'A' }]]);
  });

  it('keeps a column named __proto__ as plain data', async () => {
    const [item] = await read('to,__proto__\na@x.io,evil\n');
    expect(item?.ok && Object.hasOwn(item.row.vars, '__proto__')).toBe(true);
    expect(item?.ok && Object.getPrototypeOf(item.row.vars)).toBe(Object.prototype);
  });

  it('stops reading the source when the consumer stops early', async () => {
    let produced = 0;
    let closed = false;
    async function* source() {
      try {
        yield 'to\n';
        for (;;) {
          produced++;
          yield `r${produced}@x.io\n`;
        }
      } finally {
        closed = true;
      }
    }
    let seen = 0;
    for await (const item of readCsvRecipients(source())) {
      expect(item.ok).toBe(true);
      if (++seen === 3) break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
    // The source is endless: only a bounded read-ahead (stream buffers) may have been pulled.
    expect(produced).toBeLessThan(10_000);
  });

  it('passes on an error of the source', async () => {
    async function* failing() {
      yield 'to\na@x.io\n';
      throw new Error('disk on fire');
    }
    const { error } = await settle(readCsvRecipients(failing()));
    expect((error as Error).message).toBe('disk on fire');
  });
});
