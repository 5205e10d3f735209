import { z } from 'zod';
import { MAX_CONCURRENCY, MAX_ITEM_NUMBER } from '../batch/create.js';
import type { CreatedBatch } from '../batch/service.js';
import { BATCH_STATUSES, ITEM_STATUSES } from '../batch/types.js';
import type { BatchItemView, BatchView } from '../batch/view.js';
import { CHANNELS } from '../message/channels.js';
import { deliverySchema, isoTimeWithOffset, smsMessageSchema } from '../message/schema.js';
import { MESSAGE_STATUSES } from '../message/types.js';
import type { MessageView } from '../message/view.js';
import type { DeadLetterPage, ReplayReceipt } from '../runtime/services/dead-letters.js';
import type { ProvidersReport } from '../runtime/services/providers.js';
import type { Readiness } from '../runtime/services/readiness.js';

/*
 * The request and response shapes of the HTTP API beyond the message itself (which is
 * `messageSchema`, the producer's own). Request schemas validate; response schemas document
 * what the services return, and the compile-time checks at the bottom keep them in step.
 */

/** A message id in a path or query: what ids are made of, so nothing else reaches the store. */
export const messageIdSchema = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, 'must be a message id (letters, digits, "-" and "_")');

/** Path parameters of `/v1/messages/:id` and `/v1/dead-letters/:id/replay`. */
export const idParamsSchema = z.strictObject({ id: messageIdSchema });

/** The `Idempotency-Key` header: the message schema's own `idempotencyKey` rule. */
export const idempotencyKeyHeaderSchema = smsMessageSchema.shape.idempotencyKey.unwrap();

/** `PATCH /v1/messages/:id`: the message's new delivery, `scheduled` at a time or `immediate` (now). */
export const rescheduleBodySchema = z.strictObject({ delivery: deliverySchema });

/** Query of `GET /v1/dead-letters`. */
export const deadLetterQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: messageIdSchema.optional(),
});

const status = z.enum(MESSAGE_STATUSES);
const isoTime = z.iso.datetime({ offset: true });

/** `202` of `POST /v1/messages`: the message id; `created` is false for a repeated idempotency key. */
export const sendReceiptSchema = z.object({ id: z.string(), status, created: z.boolean() });

const errorInfoSchema = z.object({
  kind: z.string(),
  message: z.string(),
  vendorStatus: z.number().optional(),
  vendorCode: z.string().optional(),
  vendorMessage: z.string().optional(),
  provider: z.string().optional(),
});

/** A message with its state and history (`GET /v1/messages/:id`, as `missive status --json`). */
export const messageViewSchema = z.object({
  id: z.string(),
  status,
  channel: z.string(),
  to: z.string(),
  content: z.object({ subject: z.string().optional(), text: z.string().optional(), html: z.string().optional(), data: z.json().optional() }),
  from: z.string().optional(),
  metadata: z.record(z.string(), z.json()).optional(),
  idempotencyKey: z.string().optional(),
  delivery: deliverySchema,
  attempts: z.number().int(),
  provider: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  lastError: errorInfoSchema.nullable(),
  scheduledAt: isoTime.nullable(),
  nextAttemptAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  deliveredAt: isoTime.nullable(),
  batchId: z.string().optional(),
  item: z.number().int().optional(),
  history: z.array(z.object({ at: isoTime, event: z.string(), status, detail: z.record(z.string(), z.json()).optional() })),
});

/** `GET /v1/providers` (as `missive providers --json`); secret options read `[REDACTED]`. */
export const providersReportSchema = z.object({
  instances: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      channels: z.array(z.enum(CHANNELS)),
      options: z.record(z.string(), z.unknown()),
      breaker: z.object({ state: z.enum(['closed', 'half_open', 'open']), nextProbeAt: isoTime.optional() }),
    }),
  ),
  channels: z.record(z.enum(CHANNELS), z.array(z.string())),
  types: z.array(z.object({ type: z.string(), channels: z.array(z.enum(CHANNELS)), description: z.string() })),
});

/** `GET /v1/dead-letters`: one page; pass `next` as `after` for the following one. */
export const deadLetterPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      status,
      channel: z.string(),
      to: z.string(),
      attempts: z.number().int(),
      provider: z.string().nullable(),
      lastError: errorInfoSchema.nullable(),
      updatedAt: isoTime,
    }),
  ),
  next: z.string().nullable(),
});

/** `202` of a dead-letter replay. */
export const replayReceiptSchema = z.object({ id: z.string(), status, published: z.boolean() });

/** A batch id in a path: what ids are made of. */
export const batchIdParamsSchema = z.strictObject({ id: z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, 'must be a batch id (letters, digits, "-" and "_")') });

/** Options of a new batch, as the JSON body of `POST /v1/batches` takes them. */
const batchOptionsShape = {
  strict: z.boolean().optional().describe('Refuse the whole batch at the first bad row (400 naming it). Default false: skip bad rows and report them.'),
  at: isoTimeWithOffset.optional().describe('Start no earlier than this time (ISO 8601 with offset). Default at once.'),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).optional().describe('Items sent at once. Default the `batch.concurrency` setting.'),
  autoResume: z.boolean().optional().describe('Resume by itself when the circuit that paused the batch closes. Default true.'),
  provider: z.string().min(1).max(255).optional().describe("Provider instance to send through. Default the template's, else the channel's primary."),
};

/**
 * The JSON body of `POST /v1/batches`, as documented. The server parses it with
 * {@link createBatchBodyParseSchema} instead: the template is checked by the batch's own template
 * parser and each recipient by the batch's row rules (a bad row is skipped and reported, not a 400).
 */
export const createBatchBodySchema = z.strictObject({
  template: z
    .record(z.string(), z.json())
    .describe('A message without `to` whose strings may hold `{{column}}` placeholders, e.g. `{ "channel": "email", "subject": "Hi {{name}}", "text": "…" }`.'),
  recipients: z.array(z.looseObject({ to: z.string() })).describe('One object per recipient: `to` and the columns the placeholders name.'),
  ...batchOptionsShape,
});

/** What the server validates of the JSON body before the batch's own rules run. */
export const createBatchBodyParseSchema = z.strictObject({
  template: z.record(z.string(), z.unknown()),
  recipients: z.array(z.unknown()),
  ...batchOptionsShape,
});

const queryFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** The query of `POST /v1/batches`: the template and options of a streamed CSV/NDJSON upload. */
export const createBatchQuerySchema = z.strictObject({
  template: z.string().min(1).optional().describe('Uploads only (required there): the template as URL-encoded JSON.'),
  strict: queryFlag.optional().describe('Uploads only: `true` refuses the whole batch at the first bad row.'),
  at: isoTimeWithOffset.optional().describe('Uploads only: start no earlier than this ISO 8601 time (with offset).'),
  concurrency: z.coerce.number().int().min(1).max(MAX_CONCURRENCY).optional().describe('Uploads only: items sent at once.'),
  autoResume: queryFlag.optional().describe('Uploads only: `false` leaves the batch paused when its circuit closes again.'),
  provider: z.string().min(1).max(255).optional().describe('Uploads only: provider instance to send through.'),
});

/** Query of `GET /v1/batches/:id/items`. */
export const batchItemsQuerySchema = z.strictObject({
  status: z.enum(ITEM_STATUSES).optional(),
  // Bounded to what the store's integer column holds, so a larger number is a 400, not a database error.
  after: z.coerce.number().int().min(0).max(MAX_ITEM_NUMBER).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** A batch with its counts, rate and ETA (as `missive batch status --json`). */
export const batchViewSchema = z.object({
  id: z.string(),
  status: z.enum(BATCH_STATUSES),
  reason: z.enum(['manual', 'circuit_open', 'provider_unavailable']).nullable(),
  channel: z.string(),
  provider: z.string(),
  concurrency: z.number().int(),
  autoResume: z.boolean(),
  total: z.number().int(),
  pending: z.number().int(),
  sending: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  done: z.number().int(),
  rate: z.number(),
  etaSeconds: z.number().nullable(),
  startAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  resumeAt: isoTime.nullable(),
});

/** `201` of `POST /v1/batches`: the batch, and the rows skipped (at most 1000) with their line and reason. */
export const createdBatchSchema = z.object({
  batch: batchViewSchema,
  rowErrors: z.array(z.object({ line: z.number().int(), reason: z.string(), rule: z.string(), field: z.string().optional() })),
  rowErrorsTruncated: z.boolean(),
});

/** One item of a batch with its outcome. */
export const batchItemViewSchema = z.object({
  item: z.number().int(),
  line: z.number().int(),
  to: z.string(),
  status: z.enum(ITEM_STATUSES),
  attempts: z.number().int(),
  error: errorInfoSchema.nullable(),
  providerMessageId: z.string().nullable(),
  idempotencyKey: z.string(),
  finishedAt: isoTime.nullable(),
});

/** `GET /v1/batches/:id/items`: one page; pass `next` as `after` for the following one. */
export const batchItemPageSchema = z.object({ items: z.array(batchItemViewSchema), next: z.number().int().nullable() });

/** `GET /healthz`. */
export const healthSchema = z.object({ status: z.literal('ok') });

const checkState = z.enum(['up', 'down']);
/** `GET /readyz` when ready; when not, a 503 problem carries the same `checks`. */
export const readinessSchema = z.object({
  status: z.literal('ready'),
  checks: z.object({ broker: checkState.optional().describe('Absent where no role of the process uses RabbitMQ (a batch runner alone).'), store: checkState }),
});

/** An RFC 9457 problem document with Missive's extensions. */
export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  code: z.string(),
  requestId: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), rule: z.string(), message: z.string() })).optional(),
});

/** `202` of `POST /v1/messages`. */
export type SendResponse = z.output<typeof sendReceiptSchema>;
/** `PATCH /v1/messages/:id` body. */
export type RescheduleBody = z.input<typeof rescheduleBodySchema>;
/** `GET /readyz` body. */
export type ReadinessResponse = z.output<typeof readinessSchema>;
/** `POST /v1/batches` JSON body. */
export type CreateBatchBody = z.input<typeof createBatchBodySchema>;
/** `GET /v1/batches/:id/items` body. */
export type BatchItemPage = z.output<typeof batchItemPageSchema>;

type Conforms<Actual extends Documented, Documented> = Actual;
/** Compile-time checks (no runtime value): what the services return conforms to the documented schemas. */
export type _Checks = [
  Conforms<MessageView, z.output<typeof messageViewSchema>>,
  Conforms<ProvidersReport, z.output<typeof providersReportSchema>>,
  Conforms<DeadLetterPage, z.output<typeof deadLetterPageSchema>>,
  Conforms<ReplayReceipt, z.output<typeof replayReceiptSchema>>,
  Conforms<Readiness['checks'], z.output<typeof readinessSchema>['checks']>,
  Conforms<BatchView, z.output<typeof batchViewSchema>>,
  Conforms<BatchItemView, z.output<typeof batchItemViewSchema>>,
  Conforms<CreatedBatch, z.output<typeof createdBatchSchema>>,
];
