import type { JsonValue } from '../../core/json.js';

/** One good recipient: where it is in the file, its address, and the other columns. */
export interface RecipientRow {
  /** 1-based line of the file where the row starts (for JSON arrays: index + 1). */
  line: number;
  /** The recipient, trimmed of surrounding whitespace; never empty. Not yet checked per channel. */
  to: string;
  /** Every other column (CSV: strings; NDJSON and JSON: any JSON value). Never holds `to`. */
  vars: Record<string, JsonValue>;
}

/** One row that was refused; the reader skips it and goes on. */
export interface RowError {
  /** 1-based line of the file where the row starts (for JSON arrays: index + 1). */
  line: number;
  /** A sentence for humans, naming the column or field at fault; does not repeat the line. */
  reason: string;
  /** Short stable name of the rule, e.g. `invalid_json`, `missing_to`, `missing_column`, `format`. */
  rule: string;
  /** The column or message field at fault, when there is one (e.g. `to`, `subject`). */
  field?: string;
}

/** What every reader yields, in file order: a good row or a refused one. */
export type RecipientItem = { ok: true; row: RecipientRow } | { ok: false; error: RowError };

/** Bytes of a recipients file, as chunks: a Node stream, a file handle's stream, any async iterable. */
export type RecipientsInput = AsyncIterable<Buffer | Uint8Array | string> | NodeJS.ReadableStream;

/** Options every reader takes. */
export interface RecipientReaderOptions {
  /** Throw a ValidationError naming the line at the first refused row instead of yielding it. Default false. */
  strict?: boolean;
}

/** Options of the streaming readers (CSV and NDJSON). */
export interface StreamReaderOptions extends RecipientReaderOptions {
  /**
   * Longest accepted row, in bytes (a CSV record, which may span lines, or an NDJSON line).
   * Bounds the memory one row can take. Default {@link DEFAULT_MAX_RECORD_BYTES} (1 MiB).
   */
  maxRecordBytes?: number;
}

/** Default of {@link StreamReaderOptions.maxRecordBytes}: 1 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
