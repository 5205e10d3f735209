import { ValidationError } from '../../core/errors.js';

/** The recipients file formats Missive reads. */
export type RecipientsFormat = 'csv' | 'ndjson';

const BY_CONTENT_TYPE: ReadonlyMap<string, RecipientsFormat> = new Map([
  ['text/csv', 'csv'],
  ['application/csv', 'csv'],
  ['application/x-ndjson', 'ndjson'],
  ['application/ndjson', 'ndjson'],
  ['application/jsonl', 'ndjson'],
  ['application/x-jsonlines', 'ndjson'],
  ['application/jsonlines', 'ndjson'],
]);

const BY_EXTENSION: ReadonlyMap<string, RecipientsFormat> = new Map([
  ['.csv', 'csv'],
  ['.ndjson', 'ndjson'],
  ['.jsonl', 'ndjson'],
]);

/**
 * Tells the format of a recipients file: by its content type when that names one (parameters such
 * as `; charset=utf-8` ignored), else by the file name's extension. Throws a ValidationError otherwise.
 */
export function detectRecipientsFormat(filename: string, contentType?: string): RecipientsFormat {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  const byType = mediaType === undefined ? undefined : BY_CONTENT_TYPE.get(mediaType);
  if (byType !== undefined) return byType;
  const extension = /\.[^./\\]+$/.exec(filename.toLowerCase())?.[0];
  const byExtension = extension === undefined ? undefined : BY_EXTENSION.get(extension);
  if (byExtension !== undefined) return byExtension;
  const given = contentType === undefined ? '' : ` (content type ${JSON.stringify(contentType)})`;
  throw new ValidationError([
    {
      path: 'recipients',
      rule: 'format',
      message:
        `recipients: cannot tell the format of ${JSON.stringify(filename)}${given}; ` +
        'use a .csv, .ndjson or .jsonl file, or the content type text/csv or application/x-ndjson',
    },
  ]);
}
