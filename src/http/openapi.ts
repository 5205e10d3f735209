import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import type { Route } from './route.js';

/** A JSON Schema object as it appears in the document. */
export type JsonSchema = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document this API uses. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
}

/** One operation of the document. */
export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required: boolean; description?: string; schema: JsonSchema }[];
  requestBody?: { required: true; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

/** Options of {@link buildOpenApi}. */
export interface OpenApiOptions {
  title: string;
  version: string;
  description: string;
  /** Names of the schemas to publish as components (the rest are inlined). */
  components: ReadonlyMap<z.ZodType, string>;
  /** The schema of problem documents. */
  problem: z.ZodType;
}

/** Problems any route may answer, documented once per route where they apply. */
const COMMON = {
  401: 'Missing or invalid API key (only when API keys are configured).',
  400: 'Invalid input (malformed JSON, a bad field, parameter or header); `errors` names each one.',
  413: 'The body is larger than the limit.',
  415: 'The body is not `application/json`.',
  500: 'Internal error; the problem carries the request id.',
} as const;

/**
 * Builds the OpenAPI 3.1 document from route definitions and their zod schemas: request schemas
 * as the client writes them (zod input), response schemas as the server sends them (output).
 */
export function buildOpenApi(routes: readonly Route[], options: OpenApiOptions): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = {};
  const convert = new SchemaConverter(options.components, schemas);
  convert.component(options.problem, 'output');
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[path] ??= {};
    (paths[path] as Record<string, OpenApiOperation>)[route.method.toLowerCase()] = operation(route, convert);
  }
  return {
    openapi: '3.1.0',
    info: { title: options.title, version: options.version, description: options.description },
    paths,
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'One of MISSIVE_API_KEYS.' } } },
  };
}

function operation(route: Route, convert: SchemaConverter): OpenApiOperation {
  const parameters = [
    ...(route.params ? convert.parameters(route.params, 'path') : []),
    ...(route.query ? convert.parameters(route.query, 'query') : []),
    ...(route.headers ?? []).map((header) => ({
      name: header.name,
      in: 'header' as const,
      required: false,
      description: header.description,
      schema: convert.inline(header.schema, 'input'),
    })),
  ];
  const responses: OpenApiOperation['responses'] = {};
  const problemRef = { [PROBLEM_CONTENT_TYPE]: { schema: convert.ref('Problem') } };
  const statuses = new Set(Object.keys(route.responses).map(Number));
  if (route.auth) statuses.add(401);
  if (route.body || route.upload || route.params || route.query) statuses.add(400);
  if (route.body || route.upload) [413, 415].forEach((status) => statuses.add(status));
  statuses.add(500);
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const spec = route.responses[status];
    const description = spec?.description ?? COMMON[status as keyof typeof COMMON] ?? 'Error.';
    if (status >= 400) responses[status] = { description, content: problemRef };
    else if (spec?.schema) responses[status] = { description, content: { [spec.contentType ?? 'application/json']: { schema: convert.component(spec.schema, 'output') } } };
    else responses[status] = { description, ...(spec?.contentType && { content: { [spec.contentType]: { schema: { type: 'string' } } } }) };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description !== undefined && { description: route.description }),
    tags: [route.tag],
    ...(route.auth && { security: [{ bearer: [] }] }),
    ...(parameters.length > 0 && { parameters }),
    ...((route.body || route.upload) && { requestBody: { required: true as const, content: requestContent(route, convert) } }),
    responses,
  };
}

/** The media types a route's body may have: JSON per its schema, uploads as raw bytes. */
function requestContent(route: Route, convert: SchemaConverter): Record<string, { schema: JsonSchema }> {
  const content: Record<string, { schema: JsonSchema }> = {};
  if (route.body) content['application/json'] = { schema: convert.component(route.body.schema, 'input') };
  for (const type of route.upload?.contentTypes ?? []) content[type] = { schema: { type: 'string', description: route.upload?.description } };
  return content;
}

/**
 * Turns zod schemas into document schemas. Named schemas become components (`$ref`); the
 * `$defs` zod emits for recursive or repeated parts (e.g. JSON values) are hoisted into
 * components too, with their references rewritten, since `#/$defs/…` would not resolve there.
 */
class SchemaConverter {
  #inlined = 0;

  constructor(
    private readonly names: ReadonlyMap<z.ZodType, string>,
    private readonly schemas: Record<string, JsonSchema>,
  ) {}

  /** A reference to a component by name. */
  ref(name: string): JsonSchema {
    return { $ref: `#/components/schemas/${name}` };
  }

  /** The schema as a component reference when it has a name, else inline. */
  component(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const name = this.names.get(schema);
    if (name === undefined) return this.inline(schema, io);
    this.schemas[name] ??= this.convert(schema, io, name);
    return this.ref(name);
  }

  /** The schema inline (its `$defs`, if any, hoisted). */
  inline(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    return this.convert(schema, io, `Inline${++this.#inlined}`);
  }

  /** The properties of an object schema as parameters. */
  parameters(schema: z.ZodType, where: 'path' | 'query'): NonNullable<OpenApiOperation['parameters']> {
    const object = this.inline(schema, 'input');
    const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((object.required ?? []) as string[]);
    return Object.entries(properties).map(([name, property]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: property }));
  }

  private convert(schema: z.ZodType, io: 'input' | 'output', prefix: string): JsonSchema {
    const { $schema: _dialect, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const rename = (def: string) => `${prefix}_${def.replace(/[^A-Za-z0-9._-]/g, '')}`;
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) =>
          key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/') ? [key, `#/components/schemas/${rename(inner.slice(8))}`] : [key, rewrite(inner)],
        ),
      );
    };
    for (const [def, body] of Object.entries($defs ?? {})) this.schemas[rename(def)] = rewrite(body) as JsonSchema;
    return rewrite(rest) as JsonSchema;
  }
}
