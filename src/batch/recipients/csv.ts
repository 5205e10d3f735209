import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CsvError } from 'csv-parse';
import { isBlankRecord, readCsvHeader, rowFromCsvRecord, type CsvHeader } from './csv-header.js';
import { LineNumberingParser, type LocatedRecord } from './csv-lines.js';
import { enforceStrict, fileValidationError } from './row-errors.js';
import {
  DEFAULT_MAX_RECORD_BYTES,
  type RecipientItem,
  type RecipientsInput,
  type RowError,
  type StreamReaderOptions,
} from './types.js';

/** Options of {@link readCsvRecipients}. */
export interface CsvReaderOptions extends StreamReaderOptions {
  /**
   * Columns the header must have besides `to` (e.g. a template's placeholders): a missing one
   * refuses the whole file before any row is read. Default none.
   */
  requiredColumns?: readonly string[];
}

/**
 * Streams recipients from CSV with csv-parse. The first non-blank record is the header; it must
 * name a `to` column and no column twice, else the whole file is refused with a ValidationError (as
 * is a record longer than `maxRecordBytes`, which usually means a quote left open). A UTF-8 BOM is
 * skipped, quoted fields may hold commas, quotes (`""`) and line breaks, and CRLF, LF and CR line
 * endings are all accepted. Blank lines and rows of blank fields are skipped. A quote inside an
 * unquoted field is kept as text, as spreadsheets do. Rows with the wrong number of fields, an
 * empty `to` or a quote never closed are yielded as row errors (thrown when `strict`), numbered by
 * the line they start on.
 */
export function readCsvRecipients(
  input: RecipientsInput,
  options: CsvReaderOptions = {},
): AsyncGenerator<RecipientItem, void, undefined> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const records = readRecords(input, maxRecordBytes, options.requiredColumns ?? []);
  return enforceStrict(records, options.strict ?? false);
}

async function* readRecords(
  input: RecipientsInput,
  maxRecordBytes: number,
  requiredColumns: readonly string[],
): AsyncGenerator<RecipientItem, void, undefined> {
  // With the options below, the only record csv-parse refuses and goes on after is one whose
  // quote is still open at the end of the file: so refused records come last.
  const refused: RowError[] = [];
  const parser: LineNumberingParser = new LineNumberingParser({
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_records_with_error: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: maxRecordBytes,
    on_skip: (error: CsvError | undefined): undefined => {
      const line = parser.nextLine;
      if (error?.code === 'CSV_QUOTE_NOT_CLOSED') {
        const reason = 'a quoted field is not closed before the end of the file';
        refused.push({ line, rule: 'unclosed_quote', reason });
        return undefined;
      }
      // Throwing ends the parse and refuses the file: after a record too long to buffer, csv-parse
      // cannot find where the next record starts.
      if (error?.code === 'CSV_MAX_RECORD_SIZE') {
        const reason = `a record is longer than ${maxRecordBytes} bytes; is a quote left open?`;
        throw fileValidationError('record_too_long', `line ${line}: ${reason}`);
      }
      throw fileValidationError('invalid_csv', `line ${line}: ${error?.message ?? 'not valid CSV'}`);
    },
  });
  const source = Readable.from(input as AsyncIterable<unknown>);
  // Failures of the source or the parser surface through the iteration below.
  pipeline(source, parser).catch(() => undefined);

  let header: CsvHeader | undefined;
  try {
    for await (const { fields, line } of parser as AsyncIterable<LocatedRecord>) {
      if (isBlankRecord(fields)) continue;
      if (header === undefined) header = readCsvHeader(fields, line, requiredColumns);
      else yield rowFromCsvRecord(fields, line, header);
    }
  } finally {
    parser.destroy();
  }
  if (header === undefined) {
    const [unclosed] = refused;
    if (unclosed !== undefined) {
      throw fileValidationError('header', `the header (line ${unclosed.line}) is not valid CSV: ${unclosed.reason}`);
    }
    throw fileValidationError('empty_file', 'the file is empty; expected a header line with a "to" column');
  }
  for (const error of refused) yield { ok: false, error };
}
