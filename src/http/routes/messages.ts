import { ValidationError } from '../../core/errors.js';
import { messageSchema, parseMessage } from '../../message/schema.js';
import type { NewMessage } from '../../message/types.js';
import { cancelMessage, getMessageView, rescheduleMessage } from '../../runtime/services/messages.js';
import type { HttpContext } from '../context.js';
import { defineRoute, type Route } from '../route.js';
import {
  idempotencyKeyHeaderSchema,
  idParamsSchema,
  messageViewSchema,
  rescheduleBodySchema,
  sendReceiptSchema,
} from '../schemas.js';

const IDEMPOTENCY_HEADER = 'idempotency-key';

/** `/v1/messages`: send, read, cancel and reschedule messages. */
export function messageRoutes({ runtime }: HttpContext): Route[] {
  const view = { description: 'The message, with its state and history.', schema: messageViewSchema };
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/messages',
      operationId: 'sendMessage',
      tag: 'messages',
      summary: 'Send a message now or at a set time',
      description:
        'Answers 202 once the message is durably accepted: stored, and for immediate delivery confirmed by RabbitMQ ' +
        '(or, if the broker is down, guaranteed by the outbox relay). A repeated idempotency key answers 202 with the ' +
        'first message\'s id and `created: false`. Content may also be nested under `content`.',
      auth: true,
      headers: [
        {
          name: 'Idempotency-Key',
          description: "The message's idempotency key; if the body also has `idempotencyKey`, both must be equal.",
          schema: idempotencyKeyHeaderSchema,
        },
      ],
      // Parsed in the handler, together with the header, by the producer's own parseMessage.
      body: { schema: messageSchema, parse: (raw) => raw },
      responses: {
        202: { description: 'Accepted (or, with `created: false`, accepted earlier under the same idempotency key).', schema: sendReceiptSchema },
        400: { description: 'Invalid message; `errors` names each field.' },
      },
      handle: async ({ body, request }) => {
        const message = withIdempotencyHeader(body, request.headers[IDEMPOTENCY_HEADER]);
        const receipt = await (await runtime.producer()).sendMessage(message);
        return { status: 202, body: { id: receipt.id, status: receipt.status, created: receipt.created }, headers: { location: `/v1/messages/${receipt.id}` } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/messages/:id',
      operationId: 'getMessage',
      tag: 'messages',
      summary: "A message's status and history",
      auth: true,
      params: idParamsSchema,
      responses: { 200: view, 404: { description: 'No such message.' } },
      handle: async ({ params }) => ({ status: 200, body: await getMessageView(runtime, params.id) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/messages/:id',
      operationId: 'cancelMessage',
      tag: 'messages',
      summary: 'Cancel a scheduled message before it is dispatched',
      auth: true,
      params: idParamsSchema,
      responses: {
        200: { description: 'Cancelled; the message as it now is.', schema: messageViewSchema },
        404: { description: 'No such message.' },
        409: { description: 'Already dispatched (`already_dispatched`) or already cancelled (`cancelled`).' },
      },
      handle: async ({ params }) => ({ status: 200, body: await cancelMessage(runtime, params.id) }),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/v1/messages/:id',
      operationId: 'rescheduleMessage',
      tag: 'messages',
      summary: 'Reschedule a message before it is dispatched',
      description:
        'Body `{ "delivery": { "mode": "scheduled", "at": "<ISO 8601 with offset>" } }` moves the message (a past time means now); ' +
        '`{ "delivery": { "mode": "immediate" } }` dispatches it now.',
      auth: true,
      params: idParamsSchema,
      body: { schema: rescheduleBodySchema },
      responses: {
        200: { description: 'Rescheduled; the message as it now is.', schema: messageViewSchema },
        400: { description: 'Invalid body; `errors` names each field.' },
        404: { description: 'No such message.' },
        409: { description: 'Already dispatched (`already_dispatched`) or cancelled (`cancelled`).' },
      },
      handle: async ({ params, body }) => ({ status: 200, body: await rescheduleMessage(runtime, params.id, body.delivery) }),
    }),
  ];
}

/**
 * Validates the body as a message with the producer's own schema, taking the idempotency key
 * from the `Idempotency-Key` header too: either may carry it; both must then agree.
 */
export function withIdempotencyHeader(body: unknown, header: string | string[] | undefined): NewMessage {
  if (header === undefined) return parseMessage(body);
  const key = Array.isArray(header) ? header.join(', ') : header;
  if (!idempotencyKeyHeaderSchema.safeParse(key).success) {
    throw new ValidationError([{ path: 'Idempotency-Key', rule: 'format', message: 'Idempotency-Key header: must be 1 to 255 characters' }]);
  }
  const message = parseMessage(body);
  if (message.idempotencyKey !== undefined && message.idempotencyKey !== key) {
    throw new ValidationError([
      { path: 'idempotencyKey', rule: 'conflict', message: 'idempotencyKey: differs from the Idempotency-Key header; give one, or the same in both' },
    ]);
  }
  return { ...message, idempotencyKey: key };
}

