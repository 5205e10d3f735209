import type { ZodType } from 'zod';
import { messageSchema } from '../../message/schema.js';
import { prefersJson } from '../accept.js';
import { renderDocsPage } from '../docs-page.js';
import { buildOpenApi, type OpenApiDocument } from '../openapi.js';
import { defineRoute, type Route } from '../route.js';
import {
  deadLetterPageSchema,
  healthSchema,
  messageViewSchema,
  problemSchema,
  providersReportSchema,
  readinessSchema,
  replayReceiptSchema,
  rescheduleBodySchema,
  sendReceiptSchema,
} from '../schemas.js';

/** Version of the API document (the `/v1` surface). */
const API_VERSION = '1.0.0';

const DESCRIPTION =
  'Send email, SMS, webhooks and chat messages now or at a set time. When MISSIVE_API_KEYS is set, every /v1 ' +
  'request needs `Authorization: Bearer <key>`. Errors are application/problem+json (RFC 9457); every response ' +
  'carries an `X-Request-Id`.';

/** Schemas published as named components. */
const COMPONENTS: ReadonlyMap<ZodType, string> = new Map<ZodType, string>([
  [messageSchema, 'Message'],
  [sendReceiptSchema, 'SendReceipt'],
  [messageViewSchema, 'MessageView'],
  [rescheduleBodySchema, 'Reschedule'],
  [providersReportSchema, 'ProvidersReport'],
  [deadLetterPageSchema, 'DeadLetterPage'],
  [replayReceiptSchema, 'ReplayReceipt'],
  [healthSchema, 'Health'],
  [readinessSchema, 'Readiness'],
  [problemSchema, 'Problem'],
]);

/** The OpenAPI document of a set of routes. */
export function openApiFor(routes: readonly Route[]): OpenApiDocument {
  return buildOpenApi(routes, { title: 'Missive API', version: API_VERSION, description: DESCRIPTION, components: COMPONENTS, problem: problemSchema });
}

/**
 * `/docs` (a readable page, or the OpenAPI document for a client asking for JSON) and
 * `/docs/openapi.json` (the document), describing `routes` and themselves. The
 * document is built on first request and kept: routes do not change while a server runs.
 */
export function docsRoutes(routes: () => readonly Route[]): Route[] {
  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const current = () => (document ??= openApiFor(routes()));
  return [
    defineRoute({
      method: 'GET',
      url: '/docs/openapi.json',
      operationId: 'openApi',
      tag: 'documentation',
      summary: 'This API as an OpenAPI 3.1 document',
      auth: false,
      responses: { 200: { description: 'The OpenAPI document.', contentType: 'application/json' } },
      handle: async () => ({ status: 200, body: current() }),
    }),
    defineRoute({
      method: 'GET',
      url: '/docs',
      operationId: 'docs',
      tag: 'documentation',
      summary: 'This API as a readable page, or as the OpenAPI document for clients that ask for JSON',
      description: 'With an `Accept` header ranking `application/json` above `text/html`, the OpenAPI 3.1 document (as at `/docs/openapi.json`); otherwise the page.',
      auth: false,
      responses: { 200: { description: 'The page (or the OpenAPI document, as JSON).', contentType: 'text/html' } },
      handle: async ({ request }) => {
        // Caches between the client and the server must keep the two answers apart.
        const headers = { vary: 'Accept' };
        if (prefersJson(request.headers.accept)) return { status: 200, body: current(), headers };
        return { status: 200, body: (page ??= renderDocsPage(current())), contentType: 'text/html; charset=utf-8', headers };
      },
    }),
  ];
}
