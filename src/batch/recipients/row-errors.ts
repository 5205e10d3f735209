import { ValidationError, type Issue } from '../../core/errors.js';
import type { RecipientItem, RowError } from './types.js';

/** The issue a refused row stands for: path `line N`, message `line N: reason`. */
export function rowErrorIssue(error: RowError): Issue {
  return { path: `line ${error.line}`, rule: error.rule, message: `line ${error.line}: ${error.reason}` };
}

/** A ValidationError for a refused row (strict mode). */
export function rowValidationError(error: RowError): ValidationError {
  return new ValidationError([rowErrorIssue(error)]);
}

/** A ValidationError refusing the whole recipients file (bad header, runaway record, …). */
export function fileValidationError(rule: string, text: string): ValidationError {
  return new ValidationError([{ path: 'recipients', rule, message: `recipients: ${text}` }]);
}

/** A refused row, as readers yield it. */
export function refusedRow(line: number, rule: string, reason: string, field?: string): RecipientItem {
  return { ok: false, error: field === undefined ? { line, rule, reason } : { line, rule, reason, field } };
}

/** Passes items through, or throws at the first refused row when `strict`. */
export async function* enforceStrict(
  items: AsyncIterable<RecipientItem>,
  strict: boolean,
): AsyncGenerator<RecipientItem, void, undefined> {
  for await (const item of items) {
    if (strict && !item.ok) throw rowValidationError(item.error);
    yield item;
  }
}
