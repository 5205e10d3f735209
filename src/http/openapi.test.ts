import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { messageSchema } from '../message/schema.js';
import { renderDocsPage } from './docs-page.js';
import { buildOpenApi, type OpenApiDocument } from './openapi.js';
import { defineRoute } from './route.js';
import { problemSchema } from './schemas.js';

const receipt = z.object({ id: z.string() });
const routes = [
  defineRoute({
    method: 'POST',
    url: '/v1/messages',
    operationId: 'send',
    summary: 'Send <now>',
    tag: 'messages',
    auth: true,
    headers: [{ name: 'Idempotency-Key', description: 'the key', schema: z.string().max(255) }],
    body: { schema: messageSchema },
    responses: { 202: { description: 'accepted', schema: receipt } },
    handle: async () => ({ status: 202 }),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/items/:id',
    operationId: 'item',
    summary: 'An item',
    tag: 'items',
    auth: true,
    params: z.strictObject({ id: z.string() }),
    query: z.strictObject({ limit: z.coerce.number().int().default(10), after: z.string().optional() }),
    responses: { 200: { description: 'the item', schema: receipt }, 404: { description: 'none' } },
    handle: async () => ({ status: 200 }),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/uploads',
    operationId: 'upload',
    summary: 'Upload rows',
    tag: 'items',
    auth: true,
    upload: { contentTypes: ['text/csv', 'application/x-ndjson'], description: 'one recipient per row' },
    responses: { 202: { description: 'accepted', schema: receipt } },
    handle: async () => ({ status: 202 }),
  }),
  defineRoute({
    method: 'GET',
    url: '/healthz',
    operationId: 'health',
    summary: 'Up',
    tag: 'ops',
    auth: false,
    responses: { 200: { description: 'up', contentType: 'text/plain' } },
    handle: async () => ({ status: 200 }),
  }),
];

const document = buildOpenApi(routes, {
  title: 'Test API',
  version: '1.2.3',
  description: 'for tests',
  components: new Map<z.ZodType, string>([
    [messageSchema, 'Message'],
    [receipt, 'Receipt'],
    [problemSchema, 'Problem'],
  ]),
  problem: problemSchema,
});

/** Every `$ref` in a value. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => (key === '$ref' && typeof inner === 'string' ? [inner] : refs(inner)));
}

describe('buildOpenApi', () => {
  it('describes every route with OpenAPI paths, methods and operation ids', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(['/v1/messages', '/v1/items/{id}', '/v1/uploads', '/healthz']);
    expect(document.paths['/v1/items/{id}']?.get?.operationId).toBe('item');
    expect(document.paths['/v1/messages']?.post?.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/healthz']?.get?.security).toBeUndefined();
  });

  it('publishes the message schema itself as the request body, as the client writes it', () => {
    const body = document.paths['/v1/messages']?.post?.requestBody;
    expect(body?.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Message' });
    const message = document.components.schemas.Message as { oneOf: { properties: { channel: unknown }; required: string[] }[] };
    expect(message.oneOf.map((branch) => branch.properties.channel)).toEqual(['email', 'sms', 'webhook', 'chat'].map((c) => ({ type: 'string', const: c })));
    // `delivery` has a default, so a client may leave it out.
    expect(message.oneOf.every((branch) => !branch.required.includes('delivery'))).toBe(true);
  });

  it('resolves every reference inside the document, hoisting zod definitions into components', () => {
    const all = refs(document);
    expect(all.length).toBeGreaterThan(0);
    for (const ref of all) {
      expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z0-9._-]+$/);
      expect(document.components.schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
    expect(JSON.stringify(document)).not.toContain('$schema');
  });

  it('documents upload routes with their media types', () => {
    const upload = document.paths['/v1/uploads']?.post;
    expect(Object.keys(upload?.requestBody?.content ?? {})).toEqual(['text/csv', 'application/x-ndjson']);
    expect(Object.keys(upload?.responses ?? {})).toEqual(['202', '400', '401', '413', '415', '500']);
  });

  it('turns params, query and headers into parameters', () => {
    const parameters = document.paths['/v1/items/{id}']?.get?.parameters ?? [];
    expect(parameters.map(({ name, in: where, required }) => ({ name, where, required }))).toEqual([
      { name: 'id', where: 'path', required: true },
      { name: 'limit', where: 'query', required: false },
      { name: 'after', where: 'query', required: false },
    ]);
    expect(document.paths['/v1/messages']?.post?.parameters?.[0]).toMatchObject({ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 } });
  });

  it('documents problems as application/problem+json, adding the ones every route may give', () => {
    const responses = document.paths['/v1/messages']?.post?.responses ?? {};
    expect(Object.keys(responses)).toEqual(['202', '400', '401', '413', '415', '500']);
    expect(responses['415']?.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
    expect(responses['202']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Receipt' });
    expect(Object.keys(document.paths['/healthz']?.get?.responses ?? {})).toEqual(['200', '500']);
    expect(Object.keys(document.paths['/v1/items/{id}']?.get?.responses ?? {})).toEqual(['200', '400', '401', '404', '500']);
    expect(document.paths['/healthz']?.get?.responses['200']?.content).toEqual({ 'text/plain': { schema: { type: 'string' } } });
  });
});

describe('renderDocsPage', () => {
  it('renders every operation and escapes text', () => {
    const html = renderDocsPage(document as OpenApiDocument);
    expect(html).toContain('<code>/v1/items/{id}</code>');
    expect(html).toContain('Send &#60;now&#62;.');
    expect(html).not.toContain('Send <now>');
    expect(html).toContain('id="schema-Message"');
    expect(html).toContain('urn:missive:problem:validation_failed');
    expect(html).not.toMatch(/<script/i);
  });
});
