import { ValidationError } from '../../core/errors.js';
import { parseMessage } from '../../message/schema.js';
import type { NewMessage } from '../../message/types.js';
import type { RowError } from './types.js';

/** A row's message, validated, or why it was refused. */
export type RowMessageResult = { message: NewMessage } | { error: RowError };

/**
 * Validates the message made for the row at `line` with parseMessage (so `to` is checked for the
 * channel: email address, E.164 number, http(s) URL) and returns the problem as a row error instead
 * of throwing. The error's rule and field are those of the first issue; its reason lists them all.
 * Only errors other than a ValidationError (a bug) are thrown.
 */
export function validateRowMessage(input: unknown, line: number): RowMessageResult {
  try {
    return { message: parseMessage(input) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const first = error.issues[0];
    const reason = error.issues.map((issue) => issue.message).join('; ') || 'invalid message';
    const rowError: RowError = { line, rule: first?.rule ?? 'invalid', reason };
    if (first !== undefined && first.path !== '(root)') rowError.field = first.path;
    return { error: rowError };
  }
}
