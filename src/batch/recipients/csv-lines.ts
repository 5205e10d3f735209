import { Parser, type Options } from 'csv-parse';

/** A CSV record and the line of the file where it starts. */
export interface LocatedRecord {
  fields: string[];
  line: number;
}

/**
 * csv-parse's parser, numbering the line each record starts on as it emits it. csv-parse only
 * reports where a record ends, and only at a cost per record (`info`, `on_record`); counting here
 * is cheap and exact. It relies on blank lines being emitted as records (`skip_empty_lines` off):
 * then each record spans one line plus the line breaks inside its (quoted) fields, which appear in
 * the fields verbatim. Line breaks count as an editor counts them: CRLF, LF or CR, once each.
 */
export class LineNumberingParser extends Parser {
  /** The line the next record starts on: after a refused record, the line where it started. */
  nextLine = 1;

  constructor(options: Omit<Options, 'skip_empty_lines' | 'skipEmptyLines'>) {
    super({ ...options, skip_empty_lines: false });
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (!Array.isArray(chunk)) return super.push(chunk, encoding);
    const fields = chunk as string[];
    const record: LocatedRecord = { fields, line: this.nextLine };
    this.nextLine += 1 + lineBreaks(fields);
    return super.push(record, encoding);
  }
}

/** Line breaks inside the fields: each CRLF, lone CR or lone LF once. */
export function lineBreaks(fields: readonly string[]): number {
  let breaks = 0;
  for (const field of fields) {
    if (field.indexOf('\n') === -1 && field.indexOf('\r') === -1) continue;
    for (let i = 0; i < field.length; i++) {
      const code = field.charCodeAt(i);
      if (code === 0x0a) breaks++;
      else if (code === 0x0d) {
        breaks++;
        if (field.charCodeAt(i + 1) === 0x0a) i++;
      }
    }
  }
  return breaks;
}
