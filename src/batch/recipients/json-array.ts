import { fileValidationError, rowValidationError } from './row-errors.js';
import { rowFromJsonValue } from './row-from-object.js';
import type { RecipientItem, RecipientReaderOptions } from './types.js';

/**
 * Reads recipients given inline as a JSON array of objects with a `to` (the HTTP API's body form).
 * Rows are numbered `index + 1` in `line`. Throws a ValidationError at once when `array` is not an
 * array; each bad element is yielded as a row error (or thrown, when `strict`).
 */
export function readJsonArrayRecipients(
  array: unknown,
  options: RecipientReaderOptions = {},
): Generator<RecipientItem, void, undefined> {
  if (!Array.isArray(array)) {
    throw fileValidationError('type', 'must be an array of objects, each with a "to"');
  }
  return readElements(array, options.strict ?? false);
}

function* readElements(array: readonly unknown[], strict: boolean): Generator<RecipientItem, void, undefined> {
  for (let index = 0; index < array.length; index++) {
    const item = rowFromJsonValue(array[index], index + 1);
    if (strict && !item.ok) throw rowValidationError(item.error);
    yield item;
  }
}
