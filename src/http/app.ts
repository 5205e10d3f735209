import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { PrometheusMetrics } from '../metrics/prometheus.js';
import type { ApiKeyVerifier } from './auth.js';
import { assertSafeJsonBody } from '../core/json-guard.js';
import { abortedByClient } from './client-abort.js';
import { HttpProblemError, type Problem, PROBLEM_CONTENT_TYPE, problem, problemFromError } from './problem.js';
import { type Route, runRoute } from './route.js';

/** What {@link buildApp} needs. */
export interface AppOptions {
  /** Every route this server serves. */
  routes: readonly Route[];
  verifier: ApiKeyVerifier;
  logger: Logger;
  metrics: PrometheusMetrics;
  newId: IdGenerator;
  /** Largest JSON body, in bytes; a larger one is a 413 problem. */
  bodyLimitBytes: number;
}

/** Routes whose requests are logged at debug, not info: probes and scrapes come every few seconds. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);
/** The status logged for a request its client abandoned before it ended (nginx's convention). */
const CLIENT_CLOSED_REQUEST = 499;
/** An incoming `X-Request-Id` is kept only if it is this tame (it ends up in logs). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A Fastify server for a set of routes, with the conventions of the whole API: JSON bodies only
 * (checked for depth and NUL characters), API keys on `/v1`, a request id on every response,
 * RFC 9457 problems for every error (framework errors included, never a 5xx for bad input),
 * 404 and 405 for unknown routes and methods, one structured log line and one metric per request.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const { logger, verifier, metrics } = options;
  const context = { bodyLimitBytes: options.bodyLimitBytes };
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Requests arriving during shutdown get a 503 problem from the onRequest hook below instead.
    return503OnClosing: false,
    genReqId: (raw: IncomingMessage) => {
      const given = raw.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : options.newId();
    },
    frameworkErrors: (error, request, reply) => sendProblem(request, reply, problemFromError(error, context)),
  });

  const parseJson = app.getDefaultJsonParser('error', 'error') as (request: FastifyRequest, body: string, done: (error: Error | null, value?: unknown) => void) => void;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error, value) => {
      if (error) return done(error);
      try {
        assertSafeJsonBody(value);
      } catch (unsafe) {
        return done(unsafe as Error);
      }
      done(null, value);
    });
  });

  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  const startedAt = new WeakMap<FastifyRequest, number>();
  app.addHook('onRequest', async (request, reply) => {
    startedAt.set(request, performance.now());
    reply.header('x-request-id', request.id);
    if (closing) {
      reply.header('connection', 'close');
      throw new HttpProblemError(problem('service_unavailable', 'the server is shutting down; retry the request'));
    }
    const path = pathOf(request.url);
    if (request.is404) {
      // Authenticate first, so a client without a key learns nothing about which routes exist.
      if (isApiPath(path)) verifier.assert(request.headers.authorization);
      throw notFound(options.routes, request.method, path);
    }
    if ((request.routeOptions.config as { auth?: boolean }).auth) verifier.assert(request.headers.authorization);
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime);
    const fields = { reqId: request.id, method: request.method, path: pathOf(request.url), route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (QUIET_ROUTES.has(route) && reply.statusCode < 400) logger.debug(fields, 'request');
    else logger.info(fields, 'request');
  });

  // A client gone before its request ended gets no response, so onResponse never runs: log it
  // here instead, as 499 (nginx's "client closed request"), so every request leaves a line.
  app.addHook('onRequestAbort', async (request) => {
    if (!abortedByClient(request.raw)) return;
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = Math.round((performance.now() - (startedAt.get(request) ?? performance.now())) * 10) / 10;
    metrics.httpRequest(request.method, route, CLIENT_CLOSED_REQUEST, ms);
    logger.info({ reqId: request.id, method: request.method, path: pathOf(request.url), route, status: CLIENT_CLOSED_REQUEST, ms }, 'request aborted by the client');
  });

  app.setErrorHandler((error, request, reply) => {
    // Whatever failed because the client went away (an upload cut short) is no fault of the
    // server: the abort is logged above, and nobody is left to read the answer.
    const mediaTypes = (request.routeOptions.config as { mediaTypes?: readonly string[] }).mediaTypes;
    const found = abortedByClient(request.raw)
      ? problem('bad_request', 'the request ended early: the client closed the connection')
      : problemFromError(error, { ...context, ...(mediaTypes && { mediaTypes }) });
    if (found.code === 'internal_error') {
      logger.error({ reqId: request.id, method: request.method, path: pathOf(request.url), err: errorFields(error) }, 'request failed');
    }
    if (error instanceof HttpProblemError) for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
    return sendProblem(request, reply, found);
  });

  app.setNotFoundHandler(async (request) => {
    throw notFound(options.routes, request.method, pathOf(request.url));
  });

  for (const route of options.routes) {
    const upload = route.upload;
    // A route taking uploads names every media type it takes in its 415s.
    const config = { auth: route.auth, ...(upload && { mediaTypes: [...(route.body ? ['application/json'] : []), ...upload.contentTypes] }) };
    const definition = { method: route.method, url: route.url, config, handler: (request: FastifyRequest, reply: FastifyReply) => runRoute(route, request, reply) };
    if (!upload) {
      app.route(definition);
      continue;
    }
    // Upload parsers live in the route's own scope: elsewhere those media types stay a 415.
    app.register(async (scope) => {
      scope.addContentTypeParser(upload.contentTypes, (_request, payload, done) => done(null, payload));
      scope.route(definition);
    });
  }
  return app;
}

/** Sends a problem document for the request. */
function sendProblem(request: FastifyRequest, reply: FastifyReply, found: Problem): FastifyReply {
  reply.header('x-request-id', request.id);
  return reply
    .code(found.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({ ...found, instance: pathOf(request.url), requestId: request.id });
}

/** 405 with `Allow` when the path exists under other methods, else 404. */
function notFound(routes: readonly Route[], method: string, path: string): HttpProblemError {
  const allowed = allowedMethods(routes, path);
  if (allowed.length > 0) {
    return new HttpProblemError(problem('method_not_allowed', `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`), { allow: allowed.join(', ') });
  }
  return new HttpProblemError(problem('route_not_found', `no route ${method} ${path}`));
}

/** The methods (HEAD with GET) the routes accept on a concrete path. */
export function allowedMethods(routes: readonly Route[], path: string): string[] {
  const methods = routes.filter((route) => templateMatches(route.url, path)).flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
  return [...new Set(methods)];
}

function templateMatches(template: string, path: string): boolean {
  const want = template.split('/');
  const have = path.split('/');
  return want.length === have.length && want.every((part, index) => (part.startsWith(':') ? (have[index] ?? '') !== '' : part === have[index]));
}

function pathOf(url: string): string {
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

function isApiPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/');
}

function errorFields(error: unknown): { message: string; name?: string; stack?: string } {
  return error instanceof Error ? { name: error.name, message: error.message, ...(error.stack !== undefined && { stack: error.stack }) } : { message: String(error) };
}
