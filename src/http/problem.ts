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

/** Fastify's own client-error codes, by the problem they are. */
const FRAMEWORK_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
};

/**
 * Maps any error to the problem to answer with. Missive's own errors keep their meaning (400,
 * 404, 409); the framework's client errors (bad JSON, body too large, wrong media type) keep
 * their 4xx status. Anything else is an internal error, described without internals.
 */
export function problemFromError(error: unknown): Problem {
  if (error instanceof HttpProblemError) return error.problem;
  if (error instanceof ValidationError) {
    const count = error.issues.length;
    return problem('validation_failed', count === 1 ? (error.issues[0]?.message ?? error.message) : `${count} fields are invalid`, {
      errors: [...error.issues],
    });
  }
  if (error instanceof NotFoundError) return problem('not_found', error.message);
  if (error instanceof ConflictError) {
    const code: ProblemCode = error.code in PROBLEM_TYPES && PROBLEM_TYPES[error.code as ProblemCode].status === 409 ? (error.code as ProblemCode) : 'conflict';
    return { ...problem(code, error.message), code: error.code, type: problemType(error.code) };
  }
  if (error instanceof BrokerUnavailableError) return problem('broker_unavailable', 'the message broker is unavailable; try again shortly');
  const status = clientStatusOf(error);
  if (status !== undefined) return frameworkProblem(error as Error & { code?: unknown }, status);
  return problem('internal_error', 'an internal error occurred; quote the request id when reporting it');
}

/** The 4xx status the framework attached to a client error, if it is one. */
function clientStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function frameworkProblem(error: Error & { code?: unknown }, status: number): Problem {
  const known = typeof error.code === 'string' ? FRAMEWORK_CODES[error.code] : undefined;
  if (known) return problem(known, sentence(error.message));
  // The JSON body parser reports syntax errors (and prototype poisoning) as SyntaxError + 400.
  if (error instanceof SyntaxError) {
    return problem('malformed_json', `the body is not valid JSON: ${sentence(error.message)}`, {
      errors: [{ path: '(body)', rule: 'json', message: `(body): not valid JSON: ${sentence(error.message)}` }],
    });
  }
  if (status === 413) return problem('body_too_large', sentence(error.message));
  if (status === 415) return problem('unsupported_media_type', sentence(error.message));
  return { ...problem('bad_request', sentence(error.message)), status };
}

/** A framework message as a sentence: no trailing period, bounded length. */
function sentence(message: string): string {
  const text = message.trim().replace(/\.$/, '');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
