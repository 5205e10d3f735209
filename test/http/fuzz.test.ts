import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBodyIssues } from '../../src/core/json-guard.js';
import { parseMessage } from '../../src/message/schema.js';
import { STORE_KINDS } from '../support/stores.js';
import { startTestApi, type TestApi } from './support.js';

const KEY = 'fuzz-key-5b0c9e';
/** Requests per store kind; two kinds make about 2,000 in all. */
const RUNS = 1_000;

/** One generated request. */
interface FuzzRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  body: string | undefined;
}

/** Content types Fastify reads as JSON, and others it must refuse with 415. */
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON'];
const OTHER_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', '*/*'];

const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }));
const delivery = fc.oneof(
  fc.constant({ mode: 'immediate' }),
  fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((at) => ({ mode: 'scheduled', at: at.toISOString() })),
  fc.record({ mode: fc.constantFrom('scheduled', 'later', 'immediate'), at: fc.oneof(text, fc.constant('2030-01-01T10:00:00')) }),
);
const extras = fc.record(
  {
    delivery,
    idempotencyKey: fc.oneof(text, fc.constantFrom('order-1', 'order-2')),
    provider: fc.oneof(fc.constant('inbox'), text),
    from: text,
    metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

const word = fc.stringMatching(/^[a-z0-9]{1,12}$/);
/** Messages the producer accepts, with now and then a repeated idempotency key. */
const acceptable = fc
  .tuple(
    fc.oneof(
      fc.record({ channel: fc.constant('email'), to: word.map((name) => `${name}@example.com`), subject: word, text: word }),
      fc.record({ channel: fc.constant('sms'), to: fc.stringMatching(/^\+1[2-9][0-9]{9}$/), text: word }),
      fc.record({ channel: fc.constant('webhook'), to: word.map((name) => `https://hooks.example/${name}`), data: fc.jsonValue({ maxDepth: 2 }) }),
      fc.record({ channel: fc.constant('chat'), to: word.map((name) => `#${name}`), text: fc.string({ minLength: 1, maxLength: 40 }) }),
    ),
    fc.record(
      {
        delivery: fc.oneof(fc.constant({ mode: 'immediate' }), fc.date({ noInvalidDate: true, min: new Date('2020-01-01'), max: new Date('2040-01-01') }).map((at) => ({ mode: 'scheduled', at: at.toISOString() }))),
        idempotencyKey: fc.constantFrom('order-1', 'order-2', 'order-3'),
        provider: fc.constant('inbox'),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([base, more]) => ({ ...base, ...more }));

/** Messages close to valid: right shapes per channel, sometimes wrong values. */
const message = fc.oneof(
  fc.record({ channel: fc.constant('email'), to: fc.oneof(fc.emailAddress(), text), subject: text, text: fc.option(text, { nil: undefined }), html: fc.option(text, { nil: undefined }) }),
  fc.record({ channel: fc.constant('sms'), to: fc.oneof(fc.stringMatching(/^\+1[0-9]{10}$/), text), text }),
  fc.record({ channel: fc.constant('webhook'), to: fc.oneof(fc.webUrl(), text), data: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ channel: fc.constant('chat'), to: text, text }),
  fc.record({ channel: fc.oneof(text, fc.integer()), to: text }),
);

/** A message, possibly mutated: a field dropped, a field of the wrong type, an unknown field, content nested. */
const mutatedMessage = fc
  .tuple(message, extras, fc.constantFrom('none', 'drop', 'retype', 'unknown', 'nest'), fc.anything({ maxDepth: 1 }))
  .map(([base, more, mutation, junk]) => {
    const value: Record<string, unknown> = { ...base, ...more };
    for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
    const keys = Object.keys(value);
    const key = keys[keys.length > 0 ? junk === null ? 0 : keys.length - 1 : 0] ?? 'to';
    if (mutation === 'drop') delete value[key];
    if (mutation === 'retype') value[key] = junk;
    if (mutation === 'unknown') value.surprise = junk;
    if (mutation === 'nest' && 'text' in value) value.content = { text: value.text };
    if (mutation === 'nest') delete value.text;
    return value;
  });

const body = fc.oneof(
  { weight: 4, arbitrary: acceptable.map((value) => JSON.stringify(value)) },
  { weight: 4, arbitrary: mutatedMessage.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: mutatedMessage.chain((value) => fc.nat().map((cut) => JSON.stringify(value).slice(0, cut % (JSON.stringify(value).length + 1)))) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', `{"a":${'['.repeat(500)}${']'.repeat(500)}}`) },
);

const paths = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/v1/messages') },
  { weight: 3, arbitrary: fc.constantFrom('/v1/messages/01NOTTHERE', '/v1/providers', '/v1/dead-letters', '/v1/dead-letters?limit=2', '/v1/dead-letters/01NOTTHERE/replay', '/healthz', '/readyz', '/docs') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((tail) => `/v1/messages/${encodeURIComponent(tail)}`) },
  { weight: 1, arbitrary: fc.webPath() },
  { weight: 1, arbitrary: fc.constantFrom('/v1/messages/%zz', '/v1/dead-letters?limit=-1&after=%00', '//v1/messages', '/v1/messages?x=1', '/V1/MESSAGES') },
);

const anyRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.oneof({ weight: 6, arbitrary: fc.constant('POST') }, { weight: 3, arbitrary: fc.constantFrom('GET', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD') }),
  path: paths,
  contentType: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...JSON_TYPES) }, { weight: 2, arbitrary: fc.constantFrom(...OTHER_TYPES, undefined) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }),
  authorization: fc.oneof({ weight: 6, arbitrary: fc.constant(`Bearer ${KEY}`) }, { weight: 1, arbitrary: fc.constantFrom(undefined, `Bearer ${KEY}x`, KEY, 'Bearer ') }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }),
  idempotencyKey: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('order-1', 'order-2', '') }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
  body: fc.option(body, { nil: undefined, freq: 8 }),
});

/** A well-formed send whose body alone decides: valid, nearly valid, or mangled. */
const sendRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.constant('POST'),
  path: fc.constant('/v1/messages'),
  contentType: fc.constantFrom(...JSON_TYPES),
  authorization: fc.constant(`Bearer ${KEY}`),
  idempotencyKey: fc.option(fc.constantFrom('order-1', 'order-4', ' padded '), { nil: undefined, freq: 4 }),
  body: fc.oneof({ weight: 3, arbitrary: acceptable.map((value) => JSON.stringify(value)) }, { weight: 2, arbitrary: body }),
});

const request = fc.oneof({ weight: 2, arbitrary: sendRequest }, { weight: 3, arbitrary: anyRequest });

/**
 * Whether the server must accept the request (202): authorized, `POST /v1/messages` with a body
 * Fastify reads as JSON, free of what the JSON guard refuses, that `parseMessage` accepts, whose
 * idempotency key agrees with the header, and whose provider exists. Undefined where the outcome
 * is not predicted (odd content types, prototype keys): then only "never 5xx, never accepted
 * when invalid" is checked.
 */
function mustAccept(sent: FuzzRequest, base: string): boolean | undefined {
  if (sent.method !== 'POST' || new URL(`${base}${sent.path}`).pathname !== '/v1/messages') return false;
  if (sent.authorization?.trim() !== `Bearer ${KEY}`) return false;
  if (sent.body === undefined) return false;
  if (sent.contentType === undefined || !JSON_TYPES.includes(sent.contentType)) return OTHER_TYPES.includes(sent.contentType ?? '') ? false : undefined;
  if (/__proto__|constructor/.test(sent.body)) return undefined;
  return validMessage(sent.body, sent.idempotencyKey);
}

/** Whether a JSON body is a message the producer would take, with this Idempotency-Key header. */
function validMessage(body: string, header: string | undefined): boolean {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return false;
  }
  if (jsonBodyIssues(value).length > 0) return false;
  let parsed;
  try {
    parsed = parseMessage(value);
  } catch {
    return false;
  }
  if (parsed.provider !== undefined && parsed.provider !== 'inbox') return false;
  if (header === undefined) return true;
  const key = header.replace(/^[ \t]+|[ \t]+$/g, '');
  if (key.length < 1 || key.length > 255) return false;
  return parsed.idempotencyKey === undefined || parsed.idempotencyKey === key;
}

describe.each(STORE_KINDS)('HTTP fuzz: random and malformed requests (%s)', (kind) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(kind, { apiKeys: [KEY] });
  });
  afterAll(async () => {
    await api?.destroy();
  });

  it('never answers 5xx, answers every error as a problem, and accepts exactly the valid messages', async () => {
    const created = new Set<string>();
    let sentCount = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(request, async (sent) => {
        const headers: Record<string, string> = {};
        if (sent.contentType !== undefined) headers['content-type'] = sent.contentType;
        if (sent.authorization !== undefined) headers.authorization = sent.authorization;
        if (sent.idempotencyKey !== undefined) headers['idempotency-key'] = sent.idempotencyKey;
        const withBody = sent.body !== undefined && sent.method !== 'GET' && sent.method !== 'HEAD';
        let response: Response;
        try {
          response = await fetch(`${api.url}${sent.path}`, { method: sent.method, headers, ...(withBody && { body: sent.body }) });
        } catch (error) {
          // The client refused to send it (a header value fetch rejects): nothing reached the server.
          if (error instanceof TypeError && !String(error.cause ?? '').includes('ECONNRE')) return;
          throw error;
        }
        sentCount++;
        const answer = await response.text();
        expect(response.status, `${sent.method} ${sent.path} ${answer}`).toBeLessThan(500);
        expect(response.headers.get('x-request-id')).toBeTruthy();
        if (response.status >= 400 && sent.method !== 'HEAD') {
          expect(response.headers.get('content-type')).toContain('application/problem+json');
          expect(JSON.parse(answer)).toMatchObject({ status: response.status, type: expect.stringMatching(/^urn:missive:problem:/) });
        }
        const expected = mustAccept({ ...sent, body: withBody ? sent.body : undefined }, api.url);
        if (expected !== undefined) expect(response.status === 202, `${sent.method} ${sent.path} ${sent.body ?? ''} → ${response.status} ${answer}`).toBe(expected);
        if (response.status === 202) {
          expect(withBody && validMessage(sent.body as string, sent.idempotencyKey)).toBe(true);
          accepted++;
          const receipt = JSON.parse(answer) as { id: string; created: boolean };
          if (receipt.created) created.add(receipt.id);
        }
      }),
      { numRuns: RUNS },
    );
    expect(sentCount).toBeGreaterThan(RUNS * 0.9);
    // Enough valid messages went through for "accepts exactly the valid ones" to mean something.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    // Every row in the store is a message the fuzz saw accepted, and nothing else.
    const rows = await api.missive.runtime.store.listMessages({ limit: 100_000 });
    expect(new Set(rows.map((row) => row.id))).toEqual(created);
  }, 60_000);
});
