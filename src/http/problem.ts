import { BrokerUnavailableError } from '../broker/errors.js';
import { ConflictError, type Issue, NotFoundError, ValidationError } from '../core/errors.js';

/** An RFC 9457 problem document, with Missive's extension members. */
export interface Problem {
  /** URI naming the problem type: `urn:missive:problem:<code>`. */
  type: string;
  /** Short summary of the problem type; the same for every occurrence of a type. */
  title: string;
  /** The HTTP status code. */
  status: number;
  /** What went wrong in this occurrence, for people. */
  detail: string;
  /** The request path this occurrence belongs to. */
  instance?: string;
  /** Stable machine-readable code (the last part of `type`). */
  code: string;
  /** Id of the request, as in the `X-Request-Id` header and the server's logs. */
  requestId?: string;
  /** For validation problems: each field at fault, the rule it broke and a sentence. */
  errors?: Issue[];
  /** Other extension members (e.g. `checks` of a readiness problem). */
  [extension: string]: unknown;
}

/** Media type of problem documents. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem types this API reports, by code: status and title. */
export const PROBLEM_TYPES = {
  validation_failed: { status: 400, title: 'Invalid request' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  bad_request: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Missing or invalid API key' },
  not_found: { status: 404, title: 'Resource not found' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  already_dispatched: { status: 409, title: 'Message already dispatched' },
  cancelled: { status: 409, title: 'Message cancelled' },
  not_dead_lettered: { status: 409, title: 'Message not in the dead-letter queue' },
  conflict: { status: 409, title: 'Conflict with the current state' },
  body_too_large: { status: 413, title: 'Request body too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  internal_error: { status: 500, title: 'Internal server error' },
  broker_unavailable: { status: 503, title: 'Message broker unavailable' },
  not_ready: { status: 503, title: 'Service not ready' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

/** One of the codes of {@link PROBLEM_TYPES}. */
export type ProblemCode = keyof typeof PROBLEM_TYPES;

/** The `type` URI of a problem code. */
export function problemType(code: string): string {
  return `urn:missive:problem:${code}`;
}

/** Builds a problem document of a known type. */
export function problem(code: ProblemCode, detail: string, extensions: Partial<Problem> = {}): Problem {
  const { status, title } = PROBLEM_TYPES[code];
  return { type: problemType(code), title, status, detail, code, ...extensions };
}

/** An error that carries the exact problem to answer with (raised by the HTTP layer itself). */
export class HttpProblemError extends Error {
  readonly code: string;
  constructor(
    readonly problem: Problem,
    /** Extra response headers, e.g. `Allow` or `WWW-Authenticate`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
    this.name = 'HttpProblemError';
    this.code = problem.code;
  }
}

/** Fastify's own client errors, by code: the problem they are and what to tell the client. */
const FRAMEWORK_ERRORS: Record<string, { code: ProblemCode; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body_too_large', detail: 'the request body is larger than the limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', detail: 'the request body must be sent as application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'malformed_json', detail: 'the body is empty, but Content-Type says application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed_json', detail: 'the body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'bad_request', detail: 'the body size does not match Content-Length' },
  FST_ERR_BAD_URL: { code: 'bad_request', detail: 'the URL is not valid (bad percent-encoding)' },
};

/** What the server knows that makes a problem's detail more useful. */
export interface ProblemContext {
  /** The body limit, named in 413 problems. */
  bodyLimitBytes?: number;
  /** The media types the route takes, named in 415 problems. Default `application/json` alone. */
  mediaTypes?: readonly string[];
}

/**
 * Maps any error to the problem to answer with. Missive's own errors keep their meaning (400,
 * 404, 409); the framework's client errors (bad JSON, body too large, wrong media type) keep
 * their 4xx status. Anything else is an internal error, described without internals.
 */
export function problemFromError(error: unknown, context: ProblemContext = {}): Problem {
  if (error instanceof HttpProblemError) return error.problem;
  if (error instanceof ValidationError) {
    const count = error.issues.length;
    return problem('validation_failed', count === 1 ? (error.issues[0]?.message ?? error.message) : `${count} fields are invalid`, {
      errors: [...error.issues],
    });
  }
  if (error instanceof NotFoundError) return problem('not_found', error.message);
  if (error instanceof ConflictError) {
    const known = (PROBLEM_TYPES as Record<string, { status: number; title: string }>)[error.code];
    const title = known?.status === 409 ? known.title : PROBLEM_TYPES.conflict.title;
    return { type: problemType(error.code), title, status: 409, detail: error.message, code: error.code };
  }
  if (error instanceof BrokerUnavailableError) return problem('broker_unavailable', 'the message broker is unavailable; try again shortly');
  const status = clientStatusOf(error);
  if (status !== undefined) return frameworkProblem(error as Error & { code?: unknown }, status, context);
  return problem('internal_error', 'an internal error occurred; quote the request id when reporting it');
}

/** The 4xx status the framework attached to a client error, if it is one. */
function clientStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function frameworkProblem(error: Error & { code?: unknown }, status: number, context: ProblemContext): Problem {
  const known = typeof error.code === 'string' ? FRAMEWORK_ERRORS[error.code] : undefined;
  if (known?.code === 'malformed_json' || (!known && error instanceof SyntaxError)) {
    const detail = known?.detail ?? `the body is not valid JSON: ${sentence(error.message)}`;
    return problem('malformed_json', detail, { errors: [{ path: '(body)', rule: 'json', message: `(body): ${detail}` }] });
  }
  if (known?.code === 'body_too_large') {
    const limit = context.bodyLimitBytes === undefined ? '' : ` of ${context.bodyLimitBytes} bytes`;
    return problem('body_too_large', `${known.detail}${limit}`);
  }
  if (known?.code === 'unsupported_media_type') {
    return { ...problem('unsupported_media_type', `the request body must be sent as ${orList(context.mediaTypes ?? ['application/json'])}`), status };
  }
  if (known) return { ...problem(known.code, known.detail), status };
  if (status === 414) return problem('uri_too_long', 'the URL or one of its parts is too long');
  return { ...problem('bad_request', sentence(error.message)), status };
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** A framework message as a sentence: no trailing period, bounded length. */
function sentence(message: string): string {
  const text = message.trim().replace(/\.$/, '');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
