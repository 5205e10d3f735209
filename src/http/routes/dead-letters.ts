import { listDeadLetters, replayDeadLetter } from '../../runtime/services/dead-letters.js';
import type { HttpContext } from '../context.js';
import { defineRoute, type Route } from '../route.js';
import { deadLetterPageSchema, deadLetterQuerySchema, idParamsSchema, replayReceiptSchema } from '../schemas.js';

/** `/v1/dead-letters`: list messages that failed for good, and replay them. */
export function deadLetterRoutes({ runtime }: HttpContext): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/dead-letters',
      operationId: 'listDeadLetters',
      tag: 'dead letters',
      summary: 'Messages that failed for good, oldest first, one page at a time',
      auth: true,
      query: deadLetterQuerySchema,
      responses: {
        200: { description: 'One page; `next` is the `after` of the next page, null on the last.', schema: deadLetterPageSchema },
        400: { description: 'Invalid `limit` or `after`.' },
      },
      handle: async ({ query }) => ({ status: 200, body: await listDeadLetters(runtime, query) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/dead-letters/:id/replay',
      operationId: 'replayDeadLetter',
      tag: 'dead letters',
      summary: 'Send a dead-lettered message again, with fresh attempts',
      auth: true,
      params: idParamsSchema,
      responses: {
        202: { description: 'Queued again; `published` is false if the broker was down (the relay publishes it).', schema: replayReceiptSchema },
        404: { description: 'No such message.' },
        409: { description: 'The message is not dead-lettered (`not_dead_lettered`).' },
      },
      handle: async ({ params }) => ({ status: 202, body: await replayDeadLetter(runtime, params.id) }),
    }),
  ];
}
