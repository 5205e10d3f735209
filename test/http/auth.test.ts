import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MissiveApiError, MissiveClient } from '../../src/client/index.js';
import { createLogger } from '../../src/core/logger.js';
import type { OpenApiDocument } from '../../src/http/openapi.js';
import { startTestApi, type TestApi } from './support.js';

const KEYS = ['k-first-7d1e0b2a', 'k-second-93ac51f4'];

/** A logger writing JSON lines into `lines`. */
function capturingLogger(lines: string[]) {
  return createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
}

/** Every /v1 operation of the document, with a concrete path. */
function apiOperations(document: OpenApiDocument): { method: string; path: string }[] {
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: path.replace('{id}', '01NOTTHERE') })));
}

describe('HTTP API keys', () => {
  let api: TestApi;
  const lines: string[] = [];
  let operations: { method: string; path: string }[];

  beforeAll(async () => {
    api = await startTestApi('sqlite', { apiKeys: KEYS, overrides: { logger: capturingLogger(lines) } });
    operations = apiOperations((await api.client.openApi()) as unknown as OpenApiDocument);
  });
  afterAll(async () => {
    await api?.destroy();
  });

  const call = (operation: { method: string; path: string }, authorization?: string) =>
    api.request(operation.path, {
      method: operation.method,
      headers: { 'content-type': 'application/json', ...(authorization !== undefined && { authorization }) },
      ...(operation.method !== 'GET' && operation.method !== 'DELETE' && { body: '{}' }),
    });

  it('documents every /v1 route, each needing a key', () => {
    expect(operations.length).toBeGreaterThanOrEqual(7);
  });

  it('answers 401 with a Bearer challenge to every /v1 route without a key', async () => {
    for (const operation of operations) {
      const response = await call(operation);
      expect(response.status, `${operation.method} ${operation.path}`).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="missive"');
      expect(await response.json()).toMatchObject({ code: 'unauthorized', type: 'urn:missive:problem:unauthorized' });
    }
    expect((await api.request('/v1/not-a-route')).status).toBe(401);
  });

  it('answers 401 to a wrong key or another scheme', async () => {
    for (const authorization of [`Bearer ${KEYS[0]}x`, `Bearer ${KEYS[0]?.slice(0, -1)}`, `Basic ${Buffer.from(`u:${KEYS[0]}`).toString('base64')}`, 'Bearer ']) {
      const response = await call({ method: 'GET', path: '/v1/providers' }, authorization);
      expect(response.status, authorization).toBe(401);
    }
  });

  it('lets every configured key through', async () => {
    for (const key of KEYS) {
      const client = new MissiveClient({ baseUrl: api.url, apiKey: key });
      expect((await client.listProviders()).instances.length).toBeGreaterThan(0);
      const { id } = await client.sendMessage({ channel: 'chat', to: '#ops', text: 'authorized' });
      expect((await client.getMessage(id)).status).toBe('queued');
    }
    for (const operation of operations) expect((await call(operation, `Bearer ${KEYS[1]}`)).status, `${operation.method} ${operation.path}`).not.toBe(401);
    const unauthenticated = new MissiveClient({ baseUrl: api.url });
    expect(((await unauthenticated.listProviders().catch((e: unknown) => e)) as MissiveApiError).status).toBe(401);
  });

  it('serves /healthz, /readyz, /metrics and /docs without a key', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/docs', '/docs/openapi.json']) expect((await api.request(path)).status, path).toBe(200);
  });

  it('never logs a key, and does not warn about an open API', async () => {
    await call({ method: 'GET', path: '/v1/providers' }, `Bearer ${KEYS[0]}`);
    await call({ method: 'GET', path: '/v1/providers' }, `Bearer ${KEYS[1]}-wrong`);
    const log = lines.join('');
    expect(log).toContain('"path":"/v1/providers"');
    for (const key of KEYS) expect(log).not.toContain(key);
    expect(log).not.toContain('is open');
  });
});

describe('HTTP without API keys', () => {
  let api: TestApi;
  const lines: string[] = [];

  beforeAll(async () => {
    api = await startTestApi('sqlite', { overrides: { logger: capturingLogger(lines) } });
  });
  afterAll(async () => {
    await api?.destroy();
  });

  it('is open, and warns once at start', async () => {
    expect((await api.client.listProviders()).instances.length).toBeGreaterThan(0);
    await api.client.sendMessage({ channel: 'chat', to: '#ops', text: 'open' });
    const warnings = lines.filter((line) => line.includes('MISSIVE_API_KEYS is not set'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({ level: 40 });
  });
});
