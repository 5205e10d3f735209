export { readCsvRecipients, type CsvReaderOptions } from './csv.js';
export { detectRecipientsFormat, type RecipientsFormat } from './format.js';
export { readJsonArrayRecipients } from './json-array.js';
export { readNdjsonRecipients } from './ndjson.js';
export { rowErrorIssue, rowValidationError } from './row-errors.js';
export {
  DEFAULT_MAX_RECORD_BYTES,
  type RecipientItem,
  type RecipientReaderOptions,
  type RecipientRow,
  type RecipientsInput,
  type RowError,
  type StreamReaderOptions,
} from './types.js';
export { validateRowMessage, type RowMessageResult } from './validate-message.js';
