import type { JsonValue } from '../../core/json.js';
import { fileValidationError, refusedRow } from './row-errors.js';
import type { RecipientItem } from './types.js';

/** A validated CSV header: the column names (trimmed) and where `to` is. */
export interface CsvHeader {
  columns: readonly string[];
  toIndex: number;
}

/**
 * Checks the header record: every column named, no name twice, a `to` column, and every column in
 * `requiredColumns`. Throws a ValidationError refusing the whole file otherwise.
 */
export function readCsvHeader(fields: readonly string[], line: number, requiredColumns: readonly string[]): CsvHeader {
  const where = `the header (line ${line})`;
  const columns = fields.map((field) => field.trim());
  const seen = new Set<string>();
  for (const [index, name] of columns.entries()) {
    if (name === '') throw fileValidationError('empty_column_name', `${where} has no name for column ${index + 1}`);
    if (seen.has(name)) throw fileValidationError('duplicate_column', `${where} names the column "${name}" twice`);
    seen.add(name);
  }
  const toIndex = columns.indexOf('to');
  if (toIndex === -1) {
    const hint = columns.some((name) => name.toLowerCase() === 'to') ? ' (column names are case-sensitive)' : '';
    const shown = columns.slice(0, 10).map((name) => JSON.stringify(name));
    if (columns.length > shown.length) shown.push(`and ${columns.length - shown.length} more`);
    throw fileValidationError('missing_column', `${where} has no "to" column${hint}; its columns are: ${shown.join(', ')}`);
  }
  const missing = [...new Set(requiredColumns)].filter((name) => !seen.has(name));
  if (missing.length > 0) {
    const names = missing.map((name) => JSON.stringify(name)).join(', ');
    const noun = missing.length > 1 ? 'columns' : 'column';
    throw fileValidationError('missing_column', `${where} lacks the required ${noun} ${names}`);
  }
  return { columns, toIndex };
}

/** Turns one data record into a row, or refuses it (wrong field count, empty `to`). */
export function rowFromCsvRecord(fields: readonly string[], line: number, header: CsvHeader): RecipientItem {
  if (fields.length !== header.columns.length) {
    const found = `${fields.length} field${fields.length === 1 ? '' : 's'}`;
    return refusedRow(line, 'column_count', `has ${found}; the header has ${header.columns.length}`);
  }
  const to = (fields[header.toIndex] as string).trim();
  if (to === '') return refusedRow(line, 'missing_to', 'to: must not be empty', 'to');
  const vars: Record<string, JsonValue> = {};
  for (let index = 0; index < fields.length; index++) {
    if (index === header.toIndex) continue;
    // defineProperty keeps a column named `__proto__` as plain data.
    Object.defineProperty(vars, header.columns[index] as string, {
      value: fields[index] as string,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { ok: true, row: { line, to, vars } };
}

/** True for a record whose every field is blank: treated like a blank line (spreadsheets leave `,,,`). */
export function isBlankRecord(fields: readonly string[]): boolean {
  return fields.every((field) => field.trim() === '');
}
