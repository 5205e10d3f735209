import type { Clock } from '../core/clock.js';
import { invalid, ValidationError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { Channel } from '../message/channels.js';
import type { ProviderSet } from '../providers/instances.js';
import { readCsvRecipients } from './recipients/csv.js';
import { readJsonArrayRecipients } from './recipients/json-array.js';
import { readNdjsonRecipients } from './recipients/ndjson.js';
import { rowErrorIssue, rowValidationError } from './recipients/row-errors.js';
import type { RecipientItem, RecipientsInput, RowError } from './recipients/types.js';
import { parseTemplate } from './template/parse.js';
import { renderTemplate, templatePlaceholders } from './template/render.js';
import type { Template } from './template/template.js';
import type { BatchStore, NewItem } from './store.js';
import type { BatchRecord } from './types.js';

/** Where the recipients come from: a stream of CSV or NDJSON bytes, or a JSON array already parsed. */
export type RecipientsSource =
  | { format: 'csv' | 'ndjson'; input: RecipientsInput }
  | { format: 'json'; rows: unknown };

/** What a batch is created from (the CLI's flags, the HTTP API's body). */
export interface CreateBatchRequest {
  /** The template, as JSON (validated here). */
  template: unknown;
  recipients: RecipientsSource;
  /** Refuse the whole batch at the first bad row, inserting nothing. Default false: skip bad rows. */
  strict?: boolean;
  /** Do not start before this time (ms since the epoch). Default: at once. */
  startAt?: number;
  /** Items sent at once. Default the `batch.concurrency` setting. */
  concurrency?: number;
  /** Resume by itself when the provider's circuit closes after pausing the batch. Default true. */
  autoResume?: boolean;
  /** Provider instance to send through. Default the template's `provider`, else the channel's primary. */
  provider?: string;
}

/** What creating a batch reports. */
export interface CreateBatchResult {
  batch: BatchRecord;
  /** Bad rows skipped, in file order, at most {@link MAX_REPORTED_ROW_ERRORS} (all are counted in `batch.skipped`). */
  rowErrors: RowError[];
  /** True when more rows were skipped than `rowErrors` holds. */
  rowErrorsTruncated: boolean;
}

/** What batch creation needs. */
export interface CreateBatchDeps {
  store: BatchStore;
  providers: ProviderSet;
  clock: Clock;
  newId: IdGenerator;
  /** Default concurrency of a batch (setting `batch.concurrency`). */
  defaultConcurrency: number;
}

/** Items inserted per statement while a batch is created. */
export const INSERT_CHUNK_SIZE = 1_000;
/** Row errors kept for the report; beyond this they are only counted, so memory stays bounded. */
export const MAX_REPORTED_ROW_ERRORS = 1_000;
/** Highest item number the store can hold: items (and lines) are 32-bit `integer` columns. */
export const MAX_ITEM_NUMBER = 2_147_483_647;
/** Most concurrency a batch may ask for (as the `batch.concurrency` setting). */
export const MAX_CONCURRENCY = 1_000;
/** Row issues listed when no row at all could be used. */
const ISSUES_WHEN_EMPTY = 20;

/**
 * Creates a batch: validates the template and options, then streams the recipients, renders each
 * row with the template (so a bad row is reported with its line at once), and inserts the items
 * in chunks, holding one chunk in memory whatever the file size. Bad rows are skipped and
 * reported, or, with `strict`, refuse the whole batch. The batch stays `creating` (invisible to
 * runners) until every item is in; on any failure it is deleted, so nothing is left behind.
 * Throws a ValidationError for bad input (template, options, a strict row, no usable row).
 */
export async function createBatch(request: CreateBatchRequest, deps: CreateBatchDeps): Promise<CreateBatchResult> {
  const template = parseTemplate(request.template);
  const provider = resolveBatchProvider(deps.providers, template.channel, request.provider ?? template.provider);
  const concurrency = request.concurrency ?? deps.defaultConcurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw invalid('concurrency', 'range', `must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${concurrency}`);
  }
  if (request.startAt !== undefined && !Number.isFinite(request.startAt)) throw invalid('startAt', 'format', 'must be a time');
  const strict = request.strict ?? false;
  const rows = readRows(request.recipients, template, strict);
  const id = deps.newId();
  const now = deps.clock.now();
  await deps.store.insertBatch({
    id,
    channel: template.channel,
    provider,
    template,
    concurrency,
    autoResume: request.autoResume ?? true,
    startAt: request.startAt === undefined || request.startAt <= now ? null : request.startAt,
    now,
  });
  try {
    const { total, skipped, rowErrors } = await insertRows(id, rows, template, strict, deps);
    if (total === 0) {
      const issues = rowErrors.slice(0, ISSUES_WHEN_EMPTY).map(rowErrorIssue);
      const message = `recipients: no usable row${skipped > 0 ? ` (${skipped} skipped)` : ''}; the file needs a header or keys with "to"`;
      throw new ValidationError([{ path: 'recipients', rule: 'empty', message }, ...issues]);
    }
    const batch = await deps.store.finishCreating(id, { total, skipped }, deps.clock.now());
    return { batch, rowErrors, rowErrorsTruncated: skipped > rowErrors.length };
  } catch (error) {
    await deps.store.deleteBatch(id).catch(() => undefined);
    throw error;
  }
}

/**
 * The one provider instance a batch sends through: the one asked for, else the channel's primary.
 * Throws a ValidationError naming `provider` (unknown, or unable to send the channel) or
 * `channel` (nothing configured can send it).
 */
export function resolveBatchProvider(providers: ProviderSet, channel: Channel, requested: string | undefined): string {
  const candidate = providers.candidates(channel, requested)[0];
  if (candidate !== undefined) return candidate.name;
  if (requested !== undefined) {
    const known = providers.get(requested);
    const why = known ? `provider "${requested}" (type ${known.type}) cannot send ${channel}` : `no provider named "${requested}"`;
    throw invalid('provider', 'unknown_provider', why);
  }
  throw invalid('channel', 'no_provider', `no configured provider can send ${channel}`);
}

function readRows(source: RecipientsSource, template: Template, strict: boolean): AsyncIterable<RecipientItem> | Iterable<RecipientItem> {
  if (source.format === 'json') return readJsonArrayRecipients(source.rows, { strict });
  if (source.format === 'ndjson') return readNdjsonRecipients(source.input, { strict });
  // A column the template needs and the header lacks would fail every row: refuse the file at once.
  const requiredColumns = templatePlaceholders(template).filter((name) => name !== 'to');
  return readCsvRecipients(source.input, { strict, requiredColumns });
}

async function insertRows(
  batchId: string,
  rows: AsyncIterable<RecipientItem> | Iterable<RecipientItem>,
  template: Template,
  strict: boolean,
  deps: CreateBatchDeps,
): Promise<{ total: number; skipped: number; rowErrors: RowError[] }> {
  const rowErrors: RowError[] = [];
  let chunk: NewItem[] = [];
  let total = 0;
  let skipped = 0;
  const skip = (error: RowError): void => {
    if (strict) throw rowValidationError(error);
    skipped += 1;
    if (rowErrors.length < MAX_REPORTED_ROW_ERRORS) rowErrors.push(error);
  };
  for await (const read of rows) {
    if (!read.ok) {
      skip(read.error);
      continue;
    }
    const rendered = renderTemplate(template, read.row);
    if ('error' in rendered) {
      skip(rendered.error);
      continue;
    }
    const { to, content, from, metadata } = rendered.message;
    total += 1;
    chunk.push({
      item: total,
      line: read.row.line,
      to,
      message: { content, ...(from !== undefined && { from }), ...(metadata !== undefined && { metadata }) },
    });
    if (chunk.length >= INSERT_CHUNK_SIZE) {
      await deps.store.insertItems(batchId, chunk, deps.clock.now());
      chunk = [];
    }
  }
  await deps.store.insertItems(batchId, chunk, deps.clock.now());
  return { total, skipped, rowErrors };
}
