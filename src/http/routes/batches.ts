import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { CreateBatchRequest } from '../../batch/create.js';
import { detectRecipientsFormat } from '../../batch/recipients/format.js';
import { batchServiceFor } from '../../batch/role.js';
import type { BatchService, CreatedBatch } from '../../batch/service.js';
import { parseTemplate } from '../../batch/template/parse.js';
import { type Issue, ValidationError } from '../../core/errors.js';
import type { HttpContext } from '../context.js';
import { defineRoute, parseWith, type Route } from '../route.js';
import {
  batchIdParamsSchema,
  batchItemPageSchema,
  batchItemsQuerySchema,
  batchViewSchema,
  createBatchBodyParseSchema,
  createBatchBodySchema,
  createBatchQuerySchema,
  createdBatchSchema,
} from '../schemas.js';

/** Media types of a streamed recipients upload (CSV, or NDJSON under its common names). */
export const RECIPIENTS_UPLOAD_TYPES = ['text/csv', 'application/csv', 'application/x-ndjson', 'application/ndjson', 'application/jsonl'];

type CreateQuery = z.output<typeof createBatchQuerySchema>;
type CreateBody = z.output<typeof createBatchBodyParseSchema>;
type Options = Pick<CreateQuery, 'strict' | 'at' | 'concurrency' | 'autoResume' | 'provider'>;

const CREATE_DESCRIPTION =
  'Two forms. **JSON** (`application/json`): `{ template, recipients: [{ to, … }], strict?, at?, concurrency?, autoResume?, provider? }`. ' +
  '**Streamed upload** (`text/csv`, or NDJSON as `application/x-ndjson` / `application/jsonl`): the body is the recipients file, ' +
  'read as it arrives (never held in memory, not bound by the JSON body limit); the template goes in the query as ' +
  '`template=<URL-encoded JSON>`, with the options as query parameters. Bad rows are skipped and listed in `rowErrors` ' +
  '(line numbers of the file; for JSON, the 1-based position in `recipients`), or with `strict` refuse the batch (400). ' +
  'Answers 201 once every item is stored; a batch runner sends them.';

/** `/v1/batches`: create batches (JSON or streamed CSV/NDJSON), read, pause, resume, cancel, list items. */
export function batchRoutes({ runtime }: HttpContext): Route[] {
  const batches = batchServiceFor(runtime);
  const view = { description: 'The batch with its counts, rate and ETA.', schema: batchViewSchema };
  const control = (action: 'pause' | 'resume' | 'cancel', summary: string) =>
    defineRoute({
      method: 'POST',
      url: `/v1/batches/:id/${action}`,
      operationId: `${action}Batch`,
      tag: 'batches',
      summary,
      description: 'Asking for the state the batch is already in is not an error. Takes effect in runners within a second.',
      auth: true,
      params: batchIdParamsSchema,
      responses: {
        200: { description: 'The batch as it now is.', schema: batchViewSchema },
        404: { description: 'No such batch.' },
        409: { description: 'The batch is finished (`batch_finished`), or still being created (`batch_creating`).' },
      },
      handle: async ({ params }) => ({ status: 200, body: await batches[action](params.id) }),
    });
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/batches',
      operationId: 'createBatch',
      tag: 'batches',
      summary: 'Create a batch: one template sent to many recipients',
      description: CREATE_DESCRIPTION,
      auth: true,
      query: createBatchQuerySchema,
      body: { schema: createBatchBodySchema, parse: (raw) => parseWith(createBatchBodyParseSchema, raw) },
      upload: { contentTypes: RECIPIENTS_UPLOAD_TYPES, description: 'The recipients file: CSV with a header naming a `to` column, or NDJSON objects with a `to` key.' },
      responses: {
        201: { description: 'Created; `rowErrors` lists the rows skipped (at most 1000; `batch.skipped` counts them all).', schema: createdBatchSchema },
        400: { description: 'Invalid template (`template.…`), option, or recipients (`recipients[i]…` or `line N`); with `strict`, the first bad row.' },
      },
      handle: async ({ query, body, upload, request }) => {
        const created = upload
          ? await createFromUpload(batches, query, upload, request.headers['content-type'])
          : await createFromJson(batches, query, body);
        return { status: 201, body: created, headers: { location: `/v1/batches/${created.batch.id}` } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/batches/:id',
      operationId: 'getBatch',
      tag: 'batches',
      summary: "A batch's status, counts, rate and ETA",
      auth: true,
      params: batchIdParamsSchema,
      responses: { 200: view, 404: { description: 'No such batch.' } },
      handle: async ({ params }) => ({ status: 200, body: await batches.get(params.id) }),
    }),
    control('pause', 'Pause a batch: no new items are sent, calls in flight finish'),
    control('resume', 'Resume a paused batch where it left off'),
    control('cancel', 'Cancel a batch: none of its remaining items are sent'),
    defineRoute({
      method: 'GET',
      url: '/v1/batches/:id/items',
      operationId: 'listBatchItems',
      tag: 'batches',
      summary: "A batch's items with their outcome and error, in order, one page at a time",
      auth: true,
      params: batchIdParamsSchema,
      query: batchItemsQuerySchema,
      responses: {
        200: { description: 'One page; `next` is the `after` of the next page, null on the last.', schema: batchItemPageSchema },
        404: { description: 'No such batch.' },
      },
      handle: async ({ params, query }) => {
        const page = await batches.listItems(params.id, query);
        return { status: 200, body: { items: page.items, next: page.next ?? null } };
      },
    }),
  ];
}

type Creator = Pick<BatchService, 'create'>;

/** The JSON form: everything in the body; errors name `template.…` and `recipients[i]…`. */
async function createFromJson(batches: Creator, query: CreateQuery, body: CreateBody): Promise<CreatedBatch> {
  const stray = Object.keys(query);
  if (stray.length > 0) {
    throw new ValidationError(
      stray.map((key) => ({ path: key, rule: 'not_allowed', message: `${key}: query parameters are for uploads; give it in the JSON body` })),
    );
  }
  checkTemplate(body.template);
  try {
    return await batches.create({ template: body.template, recipients: { format: 'json', rows: body.recipients }, ...requestOptions(body) });
  } catch (error) {
    throw withRequestPaths(error, body.provider !== undefined, 'json');
  }
}

/** The upload form: the template and options from the query, the recipients streamed from the body. */
async function createFromUpload(batches: Creator, query: CreateQuery, upload: Readable, contentType: string | undefined): Promise<CreatedBatch> {
  if (query.template === undefined) {
    throw new ValidationError([{ path: 'template', rule: 'required', message: 'template: required with an upload (the template as URL-encoded JSON in the query)' }]);
  }
  let template: unknown;
  try {
    template = JSON.parse(query.template);
  } catch (error) {
    throw new ValidationError([{ path: 'template', rule: 'json', message: `template: not valid JSON: ${(error as Error).message}` }]);
  }
  checkTemplate(template);
  const format = detectRecipientsFormat('', contentType);
  try {
    // A client going away mid-upload fails the read: the app's error handler tells that apart
    // from a fault of the server (a store failing is a 500, logged).
    return await batches.create({ template, recipients: { format, input: upload }, ...requestOptions(query) });
  } catch (error) {
    throw withRequestPaths(error, query.provider !== undefined, 'file');
  }
}

/** Validates the template with the batch's own parser, naming each field under `template`. */
function checkTemplate(template: unknown): void {
  try {
    parseTemplate(template);
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(error.issues.map((issue) => renamed(issue, underTemplate(issue.path))));
    throw error;
  }
}

function requestOptions(options: Options): Omit<CreateBatchRequest, 'template' | 'recipients'> {
  return {
    ...(options.strict !== undefined && { strict: options.strict }),
    ...(options.at !== undefined && { startAt: Date.parse(options.at) }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    ...(options.autoResume !== undefined && { autoResume: options.autoResume }),
    ...(options.provider !== undefined && { provider: options.provider }),
  };
}

const LINE_PATH = /^line (\d+)$/;

/**
 * Renames the service's issue paths to what the request called them: `startAt` is `at`, a
 * provider or channel the template chose is `template.provider` / `template.channel`, and in the
 * JSON form a row (`line N`, N being its 1-based position) is `recipients[N-1]`, with `.to` when
 * the row's `to` is at fault. Uploads keep `line N`: the line of the file.
 */
function withRequestPaths(error: unknown, providerGiven: boolean, form: 'json' | 'file'): unknown {
  if (!(error instanceof ValidationError)) return error;
  return new ValidationError(
    error.issues.map((issue) => {
      if (issue.path === 'startAt') return renamed(issue, 'at');
      if (issue.path === 'channel' || (issue.path === 'provider' && !providerGiven)) return renamed(issue, `template.${issue.path}`);
      const line = LINE_PATH.exec(issue.path)?.[1];
      if (form === 'file' || line === undefined) return issue;
      const reason = issue.message.slice(issue.path.length + 2);
      const row = `recipients[${Number(line) - 1}]`;
      if (reason.startsWith('to: ')) return { path: `${row}.to`, rule: issue.rule, message: `${row}.${reason}` };
      return { path: row, rule: issue.rule, message: `${row}: ${reason}` };
    }),
  );
}

function underTemplate(path: string): string {
  if (path === '(root)') return 'template';
  return path.startsWith('[') ? `template${path}` : `template.${path}`;
}

/** The issue under another path, its message (which starts with the path) following. */
function renamed(issue: Issue, path: string): Issue {
  const prefix = `${issue.path}: `;
  const text = issue.message.startsWith(prefix) ? issue.message.slice(prefix.length) : issue.message;
  return { path, rule: issue.rule, message: `${path}: ${text}` };
}
