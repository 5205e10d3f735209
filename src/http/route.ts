import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { fromZodIssues, safeParseReporting } from '../core/zod-issues.js';

/** Methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One documented response of a route. */
export interface ResponseSpec {
  description: string;
  /** The body's schema; absent for problems (always the Problem schema) and free-form bodies. */
  schema?: z.ZodType;
  /** Default `application/json`; problems are `application/problem+json`. */
  contentType?: string;
}

/** A header a route reads, for the OpenAPI document. */
export interface HeaderSpec {
  name: string;
  description: string;
  schema: z.ZodType;
}

/** What a handler receives: the validated parts of the request. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The request body as a stream, when the route takes uploads and the request sent one. */
  upload: Readable | undefined;
  request: FastifyRequest;
}

/** What a handler answers. */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Default `application/json`. */
  contentType?: string;
}

/**
 * A route as data: the server registers it, and the OpenAPI document is generated from the same
 * definition, so the two cannot disagree. Params, query and body are validated with zod before
 * the handler runs; a failure is a 400 problem naming each field.
 */
export interface RouteDefinition<P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod;
  /** Fastify path template, e.g. `/v1/messages/:id`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  /** OpenAPI tag grouping the route. */
  tag: string;
  /** Needs `Authorization: Bearer KEY` when API keys are configured. */
  auth: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  /** A JSON body: the schema documented, and the parser (default: the schema). */
  body?: { schema: z.ZodType<B>; parse?: (raw: unknown) => B };
  /**
   * Streamed bodies of these media types (e.g. `text/csv`, `application/x-ndjson`), handed to
   * the handler as `upload` without being read into memory nor bound by the JSON body limit.
   * A route may take both: JSON as `body`, the rest as `upload`.
   */
  upload?: { contentTypes: string[]; description: string };
  headers?: HeaderSpec[];
  /** Responses by status; problems listed here are documented with the Problem schema. */
  responses: Record<number, ResponseSpec>;
  handle(input: RouteInput<P, Q, B>): Promise<RouteResult>;
}

/** A route with its types erased, as lists of routes hold them. */
export type Route = RouteDefinition<unknown, unknown, unknown>;

/** Declares a route, checking its handler against its schemas; returns it type-erased. */
export function defineRoute<P, Q, B>(definition: RouteDefinition<P, Q, B>): Route {
  return definition as unknown as Route;
}

/** Validates a request part with a schema; a failure names each field. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = safeParseReporting(schema, value);
  if (!result.success) throw new ValidationError(fromZodIssues(result.error.issues));
  return result.data;
}

/** The body a route requires: a missing one is a validation problem. */
export function requireBody(raw: unknown): unknown {
  if (raw === undefined) {
    throw new ValidationError([{ path: '(body)', rule: 'required', message: '(body): a JSON body is required (Content-Type: application/json)' }]);
  }
  return raw;
}

/** Runs a route for a request: validates, calls the handler, sends its result. */
export async function runRoute(route: Route, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = route.params ? parseWith(route.params, request.params) : undefined;
  const query = route.query ? parseWith(route.query, request.query) : undefined;
  const upload = route.upload && request.body instanceof Readable ? request.body : undefined;
  let body: unknown;
  if (route.body && !upload) {
    const raw = requireBody(request.body);
    body = route.body.parse ? route.body.parse(raw) : parseWith(route.body.schema, raw);
  } else if (route.upload && !upload) {
    const types = route.upload.contentTypes.join(', ');
    throw new ValidationError([{ path: '(body)', rule: 'required', message: `(body): an upload is required (Content-Type: ${types})` }]);
  }
  const result = await route.handle({ params, query, body, upload, request });
  reply.code(result.status);
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
  if (result.body === undefined) return reply.send();
  reply.type(result.contentType ?? 'application/json; charset=utf-8');
  return reply.send(result.body);
}
