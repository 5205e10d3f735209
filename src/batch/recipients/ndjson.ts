import { splitLines } from './line-splitter.js';
import { enforceStrict } from './row-errors.js';
import { rowFromJsonValue } from './row-from-object.js';
import {
  DEFAULT_MAX_RECORD_BYTES,
  type RecipientItem,
  type RecipientsInput,
  type StreamReaderOptions,
} from './types.js';

const BOM = '\uFEFF';

/**
 * Streams recipients from NDJSON (JSON Lines): one JSON object with a string `to` per line; blank
 * lines are skipped. Lines that are not JSON, not objects, lack a `to` or exceed `maxRecordBytes` are
 * yielded as row errors and the reader goes on (or throws at the first, when `strict`).
 */
export function readNdjsonRecipients(
  input: RecipientsInput,
  options: StreamReaderOptions = {},
): AsyncGenerator<RecipientItem, void, undefined> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  return enforceStrict(readLines(input, maxRecordBytes), options.strict ?? false);
}

async function* readLines(
  input: RecipientsInput,
  maxRecordBytes: number,
): AsyncGenerator<RecipientItem, void, undefined> {
  for await (const split of splitLines(input, maxRecordBytes)) {
    const { line } = split;
    if ('tooLong' in split) {
      yield {
        ok: false,
        error: { line, rule: 'record_too_long', reason: `line is longer than ${maxRecordBytes} bytes` },
      };
      continue;
    }
    const text = line === 1 && split.text.startsWith(BOM) ? split.text.slice(BOM.length) : split.text;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const detail = error instanceof Error ? `: ${error.message}` : '';
      yield { ok: false, error: { line, rule: 'invalid_json', reason: `not valid JSON${detail}` } };
      continue;
    }
    yield rowFromJsonValue(value, line);
  }
}
