import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../../src/http/schemas.js';
import { startTestApi, type TestApi } from './support.js';

describe('HTTP errors are RFC 9457 problems, never a 5xx for client input', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi('postgres', { bodyLimitBytes: 4096 });
  });
  afterAll(async () => {
    await api?.destroy();
  });

  /** Sends a request and returns the status and the parsed problem, checking its shape. */
  async function problemOf(path: string, init: RequestInit = {}) {
    const response = await api.request(path, init);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = problemSchema.parse(await response.json());
    expect(problem.status).toBe(response.status);
    expect(problem.type).toBe(`urn:missive:problem:${problem.code}`);
    expect(problem.requestId).toBe(response.headers.get('x-request-id'));
    expect(problem.instance).toBe(path.split('?')[0]);
    return { response, problem };
  }

  const post = (body: string, type = 'application/json'): RequestInit => ({ method: 'POST', headers: { 'content-type': type }, body });

  it('400 for malformed JSON, an empty body, or no body at all', async () => {
    expect((await problemOf('/v1/messages', post('{"channel":'))).problem).toMatchObject({ status: 400, code: 'malformed_json', errors: [{ path: '(body)', rule: 'json' }] });
    expect((await problemOf('/v1/messages', post(''))).problem.code).toBe('malformed_json');
    expect((await problemOf('/v1/messages', { method: 'POST' })).problem).toMatchObject({ status: 400, errors: [{ path: '(body)', rule: 'required' }] });
    expect((await problemOf('/v1/messages', post('{"__proto__":{"admin":true}}'))).problem.code).toBe('malformed_json');
  });

  it('400 for what PostgreSQL could not store or validation could not walk', async () => {
    const nul = await problemOf('/v1/messages', post(JSON.stringify({ channel: 'chat', to: '#a\u0000', text: 'x', idempotencyKey: 'k\u0000' })));
    expect(nul.problem.errors?.map((e) => [e.path, e.rule]).sort()).toEqual([
      ['idempotencyKey', 'nul_character'],
      ['to', 'nul_character'],
    ]);
    // JSON's "\ud800" escape parses to a lone surrogate: not text, refused by jsonb.
    const surrogate = await problemOf('/v1/messages', post('{"channel":"chat","to":"#a\\ud800","text":"x","idempotencyKey":"k\\udc00"}'));
    expect(surrogate.problem.errors?.map((e) => [e.path, e.rule]).sort()).toEqual([
      ['idempotencyKey', 'lone_surrogate'],
      ['to', 'lone_surrogate'],
    ]);
    const deep = await problemOf('/v1/messages', post(`{"channel":"webhook","to":"https://h.example","data":${'['.repeat(1000)}${']'.repeat(1000)}}`));
    expect(deep.problem.errors?.[0]).toMatchObject({ rule: 'max_depth' });
  });

  it('413 for a body over http.bodyLimitBytes, on every route taking JSON', async () => {
    const big = JSON.stringify({ channel: 'chat', to: '#a', text: 'x'.repeat(5000) });
    const tooLarge = { status: 413, code: 'body_too_large', detail: 'the request body is larger than the limit of 4096 bytes' };
    expect((await problemOf('/v1/messages', post(big))).problem).toMatchObject(tooLarge);
    const recipients = Array.from({ length: 300 }, (_, i) => ({ to: `#r${i}`, name: `name ${i}` }));
    const batch = JSON.stringify({ template: { channel: 'chat', text: 'Hi {{ name }}' }, recipients });
    expect(Buffer.byteLength(batch)).toBeGreaterThan(4096);
    expect((await problemOf('/v1/batches', post(batch))).problem).toMatchObject(tooLarge);
    const reschedule = JSON.stringify({ delivery: { mode: 'scheduled', at: '2030-01-01T09:00:00Z' }, padding: 'x'.repeat(5000) });
    expect((await problemOf('/v1/messages/01NOTTHERE', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: reschedule })).problem).toMatchObject(tooLarge);
  });

  it('415 for a body that is not application/json', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
      expect((await problemOf('/v1/messages', post('{"channel":"chat"}', type))).problem, type).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    }
    expect((await problemOf('/v1/messages/01NOTTHERE', { method: 'PATCH', headers: { 'content-type': 'text/plain' }, body: 'x' })).response.status).toBe(415);
  });

  it('404 for an unknown route, 405 with Allow for an unknown method, 400 for a broken URL', async () => {
    expect((await problemOf('/v2/messages')).problem).toMatchObject({ status: 404, code: 'route_not_found' });
    const method = await problemOf('/v1/messages', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(method.problem).toMatchObject({ status: 405, code: 'method_not_allowed' });
    expect(method.response.headers.get('allow')).toBe('POST');
    expect((await problemOf('/v1/messages/%E0%A4%A')).problem).toMatchObject({ status: 400, code: 'bad_request' });
    expect((await problemOf(`/v1/messages/${'a'.repeat(300)}`)).response.status).toBeLessThan(500);
  });

  it('stored nothing from any of those requests', async () => {
    expect(await api.missive.runtime.store.countByStatus()).toEqual({});
    const db = api.missive.runtime.store.context.db.withTables<{ batches: { id: string } }>();
    expect(await db.selectFrom('batches').select('id').execute()).toEqual([]);
  });
});
