import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../core/logger.js';
import { PrometheusMetrics } from '../metrics/prometheus.js';
import { allowedMethods, buildApp } from './app.js';
import { ApiKeyVerifier } from './auth.js';
import { defineRoute, type Route } from './route.js';

const KEY = 'test-key-4f9a2c';

const routes: Route[] = [
  defineRoute({
    method: 'GET',
    url: '/v1/things/:id',
    operationId: 'getThing',
    summary: 'a thing',
    tag: 't',
    auth: true,
    params: z.strictObject({ id: z.string().regex(/^[a-z]+$/) }),
    responses: { 200: { description: 'ok' } },
    handle: async ({ params }) => ({ status: 200, body: { id: params.id } }),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/things',
    operationId: 'makeThing',
    summary: 'make a thing',
    tag: 't',
    auth: true,
    body: { schema: z.strictObject({ name: z.string().min(1) }) },
    responses: { 201: { description: 'made' } },
    handle: async ({ body }) => ({ status: 201, body }),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/boom',
    operationId: 'boom',
    summary: 'fails',
    tag: 't',
    auth: true,
    responses: {},
    handle: async () => {
      throw new Error('internal detail: password hunter2');
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/uploads',
    operationId: 'upload',
    summary: 'an upload',
    tag: 't',
    auth: true,
    upload: { contentTypes: ['text/csv'], description: 'rows' },
    responses: { 200: { description: 'counted' } },
    handle: async ({ upload }) => {
      let bytes = 0;
      for await (const chunk of upload ?? []) bytes += (chunk as Buffer).length;
      return { status: 200, body: { bytes } };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/open',
    operationId: 'open',
    summary: 'no key',
    tag: 't',
    auth: false,
    responses: { 200: { description: 'ok' } },
    handle: async () => ({ status: 200, body: { open: true } }),
  }),
];

describe('the HTTP app', () => {
  const lines: Record<string, unknown>[] = [];
  const metrics = new PrometheusMetrics({ processMetrics: false });
  let ids = 0;
  const app = buildApp({
    routes,
    verifier: new ApiKeyVerifier([KEY]),
    logger: createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    }),
    metrics,
    newId: () => `req-${++ids}`,
    bodyLimitBytes: 200,
  });
  const auth = { authorization: `Bearer ${KEY}` };

  beforeAll(() => app.ready());
  afterAll(() => app.close());

  it('serves a route with a key, with a request id on the response', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/things/abc', headers: auth });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'abc' });
    expect(response.headers['x-request-id']).toMatch(/^req-\d+$/);
    const kept = await app.inject({ method: 'GET', url: '/open', headers: { 'x-request-id': 'trace-42' } });
    expect(kept.headers['x-request-id']).toBe('trace-42');
    const replaced = await app.inject({ method: 'GET', url: '/open', headers: { 'x-request-id': 'bad id\n' } });
    expect(replaced.headers['x-request-id']).toMatch(/^req-\d+$/);
  });

  it('answers 401 without a valid key, before telling whether a /v1 route exists', async () => {
    for (const url of ['/v1/things/abc', '/v1/nothing-here', '/v1']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="missive"');
    }
    const wrong = await app.inject({ method: 'POST', url: '/v1/things', headers: { authorization: 'Bearer nope', 'content-type': 'text/plain' }, payload: 'x' });
    expect(wrong.statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/open' })).statusCode).toBe(200);
  });

  it('answers 404 for unknown routes and 405 with Allow for unknown methods', async () => {
    const missing = await app.inject({ method: 'POST', url: '/nowhere', headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'route_not_found', instance: '/nowhere', requestId: missing.headers['x-request-id'] });
    const method = await app.inject({ method: 'PUT', url: '/v1/things/abc', headers: auth });
    expect(method.statusCode).toBe(405);
    expect(method.headers.allow).toBe('GET, HEAD');
    expect((await app.inject({ method: 'DELETE', url: '/open' })).headers.allow).toBe('GET, HEAD');
  });

  it('turns bad input into 400, 413 and 415 problems', async () => {
    const params = await app.inject({ method: 'GET', url: '/v1/things/ABC', headers: auth });
    expect(params.statusCode).toBe(400);
    expect(params.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'id', rule: 'format' }] });
    const post = (payload: string, type = 'application/json') => app.inject({ method: 'POST', url: '/v1/things', headers: { ...auth, 'content-type': type }, payload });
    expect((await post('{"name":"x"}')).statusCode).toBe(201);
    expect((await post('{"name":""}')).json()).toMatchObject({ status: 400, errors: [{ path: 'name', rule: 'min' }] });
    expect((await post('{"name":"x","extra":1}')).json()).toMatchObject({ errors: [{ path: 'extra', rule: 'unknown_key' }] });
    expect((await post('{"name":')).json()).toMatchObject({ status: 400, code: 'malformed_json' });
    expect((await post('{"__proto__":{"x":1}}')).json()).toMatchObject({ status: 400, code: 'malformed_json' });
    expect((await post('{"name":"a\\u0000"}')).json()).toMatchObject({ status: 400, errors: [{ path: 'name', rule: 'nul_character' }] });
    expect((await post('')).json()).toMatchObject({ status: 400, code: 'malformed_json' });
    expect((await post(JSON.stringify({ name: 'x'.repeat(300) }))).json()).toMatchObject({ status: 413, code: 'body_too_large' });
    expect((await post('name=x', 'application/x-www-form-urlencoded')).json()).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect((await post('{"name":"x"}', 'text/plain')).statusCode).toBe(415);
    const none = await app.inject({ method: 'POST', url: '/v1/things', headers: auth });
    expect(none.json()).toMatchObject({ status: 400, errors: [{ path: '(body)', rule: 'required' }] });
  });

  it('streams uploads to routes that take them, unbound by the JSON body limit, and only there', async () => {
    const csv = `to\n${'a@example.com\n'.repeat(1000)}`;
    const upload = await app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...auth, 'content-type': 'text/csv' }, payload: csv });
    expect(upload.json()).toEqual({ bytes: Buffer.byteLength(csv) });
    const json = await app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...auth, 'content-type': 'application/json' }, payload: '{}' });
    expect(json.json()).toMatchObject({ status: 400, errors: [{ path: '(body)', rule: 'required' }] });
    const elsewhere = await app.inject({ method: 'POST', url: '/v1/things', headers: { ...auth, 'content-type': 'text/csv' }, payload: 'to\n' });
    expect(elsewhere.statusCode).toBe(415);
    expect((await app.inject({ method: 'POST', url: '/v1/uploads', headers: { 'content-type': 'text/csv' }, payload: 'x' })).statusCode).toBe(401);
  });

  it('answers 500 without internals, and logs the error with the request id', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/boom', headers: auth });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
    const requestId = response.headers['x-request-id'];
    expect(response.json()).toMatchObject({ code: 'internal_error', requestId });
    const logged = lines.find((line) => line.msg === 'request failed' && line.reqId === requestId);
    expect(logged).toMatchObject({ path: '/v1/boom', err: { message: 'internal detail: password hunter2' } });
  });

  it('logs one structured line per request, never the Authorization header, and times it', async () => {
    await app.inject({ method: 'GET', url: '/v1/things/xyz?q=1', headers: { ...auth, 'x-request-id': 'log-check' } });
    const line = lines.find((entry) => entry.reqId === 'log-check' && entry.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', path: '/v1/things/xyz', route: '/v1/things/:id', status: 200 });
    expect(JSON.stringify(lines)).not.toContain(KEY);
    expect(await metrics.render()).toMatch(/missive_http_request_duration_seconds_count\{method="GET",route="\/v1\/things\/:id",status="200"\} \d+/);
  });
});

describe('the HTTP app with clients that go away', () => {
  it('logs a request abandoned mid-body once, as 499, and never as a fault of the server', async () => {
    const lines: Record<string, unknown>[] = [];
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const app = buildApp({
      routes,
      verifier: new ApiKeyVerifier([]),
      logger: createLogger({
        level: 'info',
        destination: new Writable({
          write(chunk: Buffer, _encoding, done) {
            lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
            done();
          },
        }),
      }),
      metrics,
      newId: () => 'unused',
      bodyLimitBytes: 10_000,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as { port: number };
      const abandon = async (id: string, head: string) => {
        const socket = connect(port, '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(`${head}X-Request-Id: ${id}\r\nContent-Length: 5000\r\n\r\n{"name":`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        socket.destroy();
        await expect.poll(() => lines.find((line) => line.reqId === id), { timeout: 5_000 }).toBeDefined();
      };
      await abandon('gone-upload', 'POST /v1/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n');
      await abandon('gone-json', 'POST /v1/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const [id, route] of [
        ['gone-upload', '/v1/uploads'],
        ['gone-json', '/v1/things'],
      ]) {
        expect(lines.filter((line) => line.reqId === id), id).toEqual([
          expect.objectContaining({ level: 30, msg: 'request aborted by the client', method: 'POST', route, status: 499, ms: expect.any(Number) }),
        ]);
      }
      expect(await metrics.render()).toContain('missive_http_request_duration_seconds_count{method="POST",route="/v1/uploads",status="499"} 1');
    } finally {
      await app.close();
    }
  });
});

describe('allowedMethods', () => {
  it('matches concrete paths against route templates', () => {
    expect(allowedMethods(routes, '/v1/things/abc')).toEqual(['GET', 'HEAD']);
    expect(allowedMethods(routes, '/v1/things')).toEqual(['POST']);
    expect(allowedMethods(routes, '/v1/things/')).toEqual([]);
    expect(allowedMethods(routes, '/v1/things/a/b')).toEqual([]);
  });
});

describe('the HTTP app shutting down', () => {
  it('answers requests that arrive while it closes with a 503 problem, and finishes those in progress', async () => {
    let release: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finish: () => void = () => undefined;
    let requests = 0;
    const slow = defineRoute({
      method: 'GET',
      url: '/slow',
      operationId: 'slow',
      summary: 'slow',
      tag: 't',
      auth: false,
      responses: {},
      handle: async () => {
        release();
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        return { status: 200, body: { done: true } };
      },
    });
    const app = buildApp({
      routes: [slow, ...routes],
      verifier: new ApiKeyVerifier([]),
      logger: createLogger({ level: 'silent' }),
      metrics: new PrometheusMetrics({ processMetrics: false }),
      newId: () => `id-${++requests}`,
      bodyLimitBytes: 100,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    // A request in progress when shutdown begins, then another pipelined on the same connection.
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await started;
    const closed = app.close();
    await expect.poll(() => app.server.listening).toBe(false);
    socket.write('GET /open HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => requests).toBe(2);
    finish();
    await ended;
    await closed;
    const [first, second] = received.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(first).toContain('{"done":true}');
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toContain('application/problem+json');
    expect(second).toContain('"code":"service_unavailable"');
  });
});
