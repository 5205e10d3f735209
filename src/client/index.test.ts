import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MissiveApiError, MissiveClient } from './index.js';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch answering each call with the next response, recording the calls. */
function scriptedFetch(...responses: Response[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, method: String(init.method), headers: init.headers as Record<string, string>, body: init.body === undefined ? undefined : JSON.parse(String(init.body)) });
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    return next;
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

describe('MissiveClient', () => {
  it('sends the API key, the JSON body and the idempotency key', async () => {
    const { fetch, calls } = scriptedFetch(json(202, { id: 'M1', status: 'queued', created: true }));
    const client = new MissiveClient({ baseUrl: 'http://api.test/', apiKey: 'k1', fetch });
    const receipt = await client.sendMessage({ channel: 'chat', to: '#ops', text: 'hi' }, { idempotencyKey: 'order-7' });
    expect(receipt).toEqual({ id: 'M1', status: 'queued', created: true });
    expect(calls[0]).toMatchObject({
      url: 'http://api.test/v1/messages',
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json', 'idempotency-key': 'order-7' },
      body: { channel: 'chat', to: '#ops', text: 'hi' },
    });
  });

  it('encodes ids and builds reschedule bodies and page queries', async () => {
    const { fetch, calls } = scriptedFetch(json(200, {}), json(200, {}), json(200, {}), json(200, { items: [], next: null }));
    const client = new MissiveClient({ baseUrl: 'http://api.test', fetch });
    await client.rescheduleMessage('a/b', new Date('2030-01-01T09:00:00Z'));
    await client.rescheduleMessage('M2', '2030-01-01T10:00:00+01:00');
    await client.rescheduleMessage('M3', { mode: 'immediate' });
    await client.listDeadLetters({ limit: 5, after: 'M9' });
    expect(calls.map((call) => [call.method, call.url, call.body])).toEqual([
      ['PATCH', 'http://api.test/v1/messages/a%2Fb', { delivery: { mode: 'scheduled', at: '2030-01-01T09:00:00.000Z' } }],
      ['PATCH', 'http://api.test/v1/messages/M2', { delivery: { mode: 'scheduled', at: '2030-01-01T10:00:00+01:00' } }],
      ['PATCH', 'http://api.test/v1/messages/M3', { delivery: { mode: 'immediate' } }],
      ['GET', 'http://api.test/v1/dead-letters?limit=5&after=M9', undefined],
    ]);
    expect(calls[0]?.headers.authorization).toBeUndefined();
  });

  it('throws MissiveApiError carrying the problem document', async () => {
    const problem = { type: 'urn:missive:problem:already_dispatched', title: 'Message already dispatched', status: 409, detail: 'too late', code: 'already_dispatched' };
    const { fetch } = scriptedFetch(json(409, problem, 'application/problem+json'));
    const error = await new MissiveClient({ baseUrl: 'http://api.test', fetch }).cancelMessage('M1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissiveApiError);
    expect(error).toMatchObject({ status: 409, code: 'already_dispatched', problem, message: 'Message already dispatched: too late' });
  });

  it('describes an error answer that is not a problem (a proxy page)', async () => {
    const { fetch } = scriptedFetch(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const error = (await new MissiveClient({ baseUrl: 'http://api.test', fetch }).getMessage('M1').catch((e: unknown) => e)) as MissiveApiError;
    expect(error.problem).toEqual({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: '<html>bad gateway</html>', code: 'http_502' });
  });

  it('reads readiness without throwing, from the ops base URL', async () => {
    const notReady = { type: 'urn:missive:problem:not_ready', title: 'Service not ready', status: 503, detail: 'RabbitMQ is down', code: 'not_ready', checks: { broker: 'down', store: 'up' } };
    const { fetch, calls } = scriptedFetch(json(200, { status: 'ready', checks: { broker: 'up', store: 'up' } }), json(503, notReady, 'application/problem+json'));
    const client = new MissiveClient({ baseUrl: 'http://api.test', opsBaseUrl: 'http://ops.test:9100', fetch });
    expect(await client.ready()).toEqual({ ready: true, checks: { broker: 'up', store: 'up' } });
    expect(await client.ready()).toEqual({ ready: false, checks: { broker: 'down', store: 'up' } });
    expect(calls.map((call) => call.url)).toEqual(['http://ops.test:9100/readyz', 'http://ops.test:9100/readyz']);
  });

  it('imports nothing but types from the server, so its bundle holds no server code', () => {
    const source = readFileSync(new URL('./index.ts', import.meta.url), 'utf8');
    const imports = source.split('\n').filter((line) => /^import\s/.test(line));
    expect(imports.length).toBeGreaterThan(0);
    for (const line of imports) expect(line).toMatch(/^import type /);
  });
});
