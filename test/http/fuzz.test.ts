import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTemplate } from '../../src/batch/template/parse.js';
import { jsonBodyIssues } from '../../src/core/json-guard.js';
import { batchItemPageSchema, createBatchBodyParseSchema, createdBatchSchema } from '../../src/http/schemas.js';
import { parseMessage } from '../../src/message/schema.js';
import { STORE_KINDS } from '../support/stores.js';
import { startTestApi, type TestApi } from './support.js';

const KEY = 'fuzz-key-5b0c9e';
/** Requests per store kind; two kinds make about 2,000 in all. */
const RUNS = 1_000;
/** Batch requests per store kind (each stores a batch when accepted, so fewer). */
const BATCH_RUNS = 300;

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

/** Half of a UTF-16 surrogate pair, alone: JSON can carry it (`"\ud800"`), no database stores it as text. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
/** Text with one character no database stores spliced in: a lone surrogate or NUL. */
const unstorable = fc
  .tuple(fc.string({ maxLength: 10 }), fc.oneof({ weight: 3, arbitrary: loneSurrogate }, { weight: 1, arbitrary: fc.constant('\u0000') }), fc.string({ maxLength: 10 }))
  .map((parts) => parts.join(''));
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: unstorable },
);
/** Numbers around every edge: small, 32-bit and 53-bit limits, huge, fractional, negative. */
const edgyNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, 1e300, -(2 ** 31) - 1, 0.5, -0) },
  { weight: 1, arbitrary: fc.integer({ min: -2, max: 100 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true }) },
);
/** Whole numbers a 32-bit integer column cannot hold, as a query string writes them. */
const beyondInt32 = fc.constantFrom('2147483648', '4294967296', '9007199254740993', '1e300', '9'.repeat(40));
/** The same, as a query string writes them, with spellings a number parser might take. */
const edgyNumberText = fc.oneof(edgyNumber.map(String), fc.constantFrom('1e3', '0x10', ' 7', '', 'NaN', 'Infinity', '9'.repeat(40), '1.0'));
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
  .tuple(message, extras, fc.constantFrom('none', 'drop', 'retype', 'unknown', 'nest', 'unstorable'), fc.anything({ maxDepth: 1 }), unstorable, fc.boolean())
  .map(([base, more, mutation, junk, bad, onKey]) => {
    const value: Record<string, unknown> = { ...base, ...more };
    for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
    const keys = Object.keys(value);
    const key = keys[keys.length > 0 ? junk === null ? 0 : keys.length - 1 : 0] ?? 'to';
    if (mutation === 'drop') delete value[key];
    if (mutation === 'retype') value[key] = junk;
    if (mutation === 'unknown') value.surprise = junk;
    if (mutation === 'nest' && 'text' in value) value.content = { text: value.text };
    if (mutation === 'nest') delete value.text;
    // Most often `to` or `idempotencyKey`: the fields PostgreSQL refused with a 500.
    if (mutation === 'unstorable') value[onKey ? 'idempotencyKey' : 'to'] = `${String(value.to ?? '')}${bad}`;
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

/** Bodies PostgreSQL once answered with a 500 ("invalid input syntax for type json"): tried on every run. */
const UNSTORABLE_MESSAGES = ['{"channel":"chat","to":"#a\\ud800","text":"x"}', '{"channel":"chat","to":"#a","text":"x","idempotencyKey":"k\\udc00"}'];

/* Batches: the JSON form, CSV and NDJSON uploads with their query options, and items paging. */

/** A start time the (absent) runner would wait for anyway. */
const LATER = '2100-01-01T00:00:00Z';
const chatTo = fc.oneof({ weight: 8, arbitrary: word.map((name) => `#${name}`) }, { weight: 1, arbitrary: text });
const recipient = fc.oneof(
  { weight: 8, arbitrary: fc.record({ to: chatTo, name: fc.oneof({ weight: 8, arbitrary: word }, { weight: 1, arbitrary: text }) }) },
  { weight: 1, arbitrary: fc.record({ to: fc.oneof(text, fc.integer()), name: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);
const template = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ channel: 'chat', text: 'Hi {{ name }}' }) },
  { weight: 1, arbitrary: fc.constant({ channel: 'email', subject: 'Hi {{ name }}', html: '<p>{{ name }}</p>' }) },
  {
    weight: 2,
    arbitrary: fc.record(
      { channel: fc.constantFrom('chat', 'email', 'sms', 'webhook', 'pigeon'), text: fc.oneof(text, fc.constant('{{ name }}'), fc.constant('{{ bad name }}')), subject: text, to: text, provider: fc.constantFrom('inbox', 'nope') },
      { requiredKeys: ['channel'] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
/** Options of a batch, right and wrong; `at` is mostly far away. */
const mostly = <T, U>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<U>) => fc.oneof({ weight: 5, arbitrary: right }, { weight: 1, arbitrary: wrong });
const batchOptions = fc.record(
  {
    strict: mostly(fc.boolean(), text),
    at: mostly(fc.constant(LATER), text),
    concurrency: mostly(fc.integer({ min: 1, max: 64 }), edgyNumber),
    autoResume: mostly(fc.boolean(), fc.integer()),
    provider: mostly(fc.constant('inbox'), text),
  },
  { requiredKeys: [] },
);

/** One batch request: its method, path (query included), content type and body. */
interface BatchRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string | undefined;
  /** The JSON body as generated, for predicting refusals (JSON form only). */
  json?: unknown;
}

const jsonBatch: fc.Arbitrary<BatchRequest> = fc
  .tuple(template, fc.array(recipient, { maxLength: 8 }), batchOptions, mostly(fc.constant('none'), fc.constantFrom('truncate', 'extra', 'recipients_not_array')), fc.nat())
  .map(([tmpl, recipients, options, mutation, cut]) => {
    const json: Record<string, unknown> = { template: tmpl, recipients, at: LATER, ...options };
    if (mutation === 'extra') json.surprise = cut;
    if (mutation === 'recipients_not_array') json.recipients = recipients[0] ?? null;
    const body = JSON.stringify(json);
    return { method: 'POST', path: '/v1/batches', contentType: 'application/json', body: mutation === 'truncate' ? body.slice(0, cut % (body.length + 1)) : body, json };
  });

/** A CSV field, quoted when it must be (or, now and then, when it should have been and is not). */
const csvField = (value: string, sloppy: boolean): string => (!sloppy && /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const csvBody = fc
  .tuple(mostly(fc.constantFrom('to,name', '\uFEFFto,name', 'name,to'), fc.constantFrom('to', 'name', 'to,name,to', '')), fc.array(fc.tuple(mostly(chatTo, text), mostly(word, text), fc.boolean()), { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([header, rows, newline]) => [header, ...rows.map(([to, name, sloppy]) => `${csvField(to, sloppy)},${csvField(name, sloppy)}`)].join(newline));
const ndjsonBody = fc
  .array(fc.oneof({ weight: 5, arbitrary: recipient.map((row) => JSON.stringify(row) ?? 'undefined') }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: fc.constant('{"to":') }), { maxLength: 8 })
  .map((lines) => lines.join('\n'));

/** A query parameter as a client would encode it (a lone surrogate cannot be: it goes as U+FFFD). */
const param = (name: string, value: string): string => `${name}=${encodeURIComponent(value.toWellFormed())}`;
const uploadQuery = fc
  .tuple(
    fc.option(fc.oneof({ weight: 5, arbitrary: template.map((value) => JSON.stringify(value)) }, { weight: 1, arbitrary: text }), { nil: undefined, freq: 8 }),
    fc.record(
      {
        strict: mostly(fc.constantFrom('true', 'false'), text),
        at: mostly(fc.constant(LATER), text),
        concurrency: mostly(fc.integer({ min: 1, max: 64 }).map(String), edgyNumberText),
        autoResume: mostly(fc.constantFrom('true', 'false'), text),
        provider: mostly(fc.constant('inbox'), text),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([tmpl, options]) => {
    const parts = [...(tmpl === undefined ? [] : [param('template', tmpl)]), ...Object.entries(options).map(([name, value]) => param(name, value))];
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
const UPLOAD_TYPES = ['text/csv', 'text/csv; charset=utf-8', 'application/x-ndjson', 'application/jsonl', 'application/ndjson'];
const uploadBatch: fc.Arbitrary<BatchRequest> = fc
  .tuple(uploadQuery, fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...UPLOAD_TYPES) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_TYPES) }), csvBody, ndjsonBody)
  .map(([query, contentType, csv, ndjson]) => ({ method: 'POST', path: `/v1/batches${query}`, contentType, body: contentType.includes('csv') ? csv : ndjson }));

/** Reads of and controls on batches: `:id` stands for a batch that exists, `:other` for none. */
const batchRead: fc.Arbitrary<BatchRequest> = fc
  .tuple(
    mostly(fc.constant(':id'), fc.constantFrom(':other', 'bad%20id', 'x'.repeat(65))),
    mostly(fc.constant('items'), fc.constantFrom('', 'pause', 'resume', 'cancel')),
    fc.record({ after: fc.oneof({ weight: 2, arbitrary: beyondInt32 }, { weight: 1, arbitrary: fc.nat(10).map(String) }, { weight: 1, arbitrary: edgyNumberText }), limit: mostly(fc.integer({ min: 1, max: 1000 }).map(String), edgyNumberText), status: mostly(fc.constantFrom('pending', 'sending', 'sent', 'failed'), text) }, { requiredKeys: ['after'] }),
    fc.option(text, { nil: undefined, freq: 8 }),
  )
  .map(([id, action, query, extra]) => {
    const base = `/v1/batches/${id}${action === '' ? '' : `/${action}`}`;
    if (action !== 'items') return { method: action === '' ? 'GET' : 'POST', path: base, contentType: undefined, body: undefined };
    const parts = Object.entries({ ...query, ...(extra !== undefined && { extra }) }).map(([name, value]) => param(name, value));
    return { method: 'GET', path: parts.length === 0 ? base : `${base}?${parts.join('&')}`, contentType: undefined, body: undefined };
  });

const batchRequest = fc.oneof({ weight: 3, arbitrary: jsonBatch }, { weight: 3, arbitrary: uploadBatch }, { weight: 3, arbitrary: batchRead });

/** Requests that once made a 500 on PostgreSQL: tried first on every run. */
const BATCH_FINDINGS: BatchRequest[] = [
  { method: 'GET', path: '/v1/batches/:id/items?after=2147483648', contentType: undefined, body: undefined },
  ...['{"to":"#a\\ud800","name":"A"}', '{"to":"#a","name":"\\udfff"}'].flatMap((row) => {
    const json = JSON.parse(`{"template":{"channel":"chat","text":"Hi {{ name }}"},"recipients":[${row}]}`) as unknown;
    return [
      { method: 'POST', path: '/v1/batches', contentType: 'application/json', body: JSON.stringify(json), json },
      { method: 'POST', path: `/v1/batches?${param('template', '{"channel":"chat","text":"Hi {{ name }}"}')}`, contentType: 'application/x-ndjson', body: row },
    ];
  }),
];

/**
 * Whether a JSON batch body must be refused (never 201): not JSON, holding what the guard
 * refuses, not the body's shape, or a template the batch's parser refuses.
 */
function mustRefuseBatch(sent: BatchRequest): boolean {
  let value: unknown;
  try {
    value = JSON.parse(sent.body ?? '');
  } catch {
    return true;
  }
  if (jsonBodyIssues(value).length > 0) return true;
  const parsed = createBatchBodyParseSchema.safeParse(value);
  if (!parsed.success) return true;
  try {
    parseTemplate(parsed.data.template);
  } catch {
    return true;
  }
  return false;
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
      { numRuns: RUNS, examples: UNSTORABLE_MESSAGES.map((body): [FuzzRequest] => [{ method: 'POST', path: '/v1/messages', contentType: 'application/json', authorization: `Bearer ${KEY}`, idempotencyKey: undefined, body }]) },
    );
    expect(sentCount).toBeGreaterThan(RUNS * 0.9);
    // Enough valid messages went through for "accepts exactly the valid ones" to mean something.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    // Every row in the store is a message the fuzz saw accepted, and nothing else.
    const rows = await api.missive.runtime.store.listMessages({ limit: 100_000 });
    expect(new Set(rows.map((row) => row.id))).toEqual(created);
  }, 60_000);

  it('never answers 5xx to batch requests (JSON, CSV and NDJSON uploads, options, items pages), and creates no batch from an invalid body', async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const existing = await api.client.createBatch({ template: { channel: 'chat', text: 'Hi {{ name }}' }, recipients: [{ to: '#a', name: 'A' }, { to: '#b', name: 'B' }], at: LATER });
    const other = '01NOTABATCH0000000000000000';
    const created: string[] = [];
    const counts = { sent: 0, created: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(batchRequest, async (sent) => {
        const path = sent.path.replace(':id', existing.batch.id).replace(':other', other);
        const headers: Record<string, string> = { ...auth, ...(sent.contentType !== undefined && { 'content-type': sent.contentType }) };
        const response = await fetch(`${api.url}${path}`, { method: sent.method, headers, ...(sent.body !== undefined && { body: sent.body }) });
        counts.sent++;
        const answer = await response.text();
        const what = `${sent.method} ${path} ${sent.contentType ?? ''} ${JSON.stringify(sent.body ?? '').slice(0, 300)} → ${response.status} ${answer.slice(0, 500)}`;
        expect(response.status, what).toBeLessThan(500);
        expect(response.headers.get('x-request-id')).toBeTruthy();
        if (response.status >= 400) {
          expect(response.headers.get('content-type'), what).toContain('application/problem+json');
          expect(JSON.parse(answer), what).toMatchObject({ status: response.status, type: expect.stringMatching(/^urn:missive:problem:/) });
        }
        if (sent.json !== undefined && mustRefuseBatch(sent)) expect(response.status, what).not.toBe(201);
        if (response.status === 201) {
          const batch = createdBatchSchema.parse(JSON.parse(answer));
          counts.created++;
          created.push(batch.batch.id);
          expect(batch.batch.total, what).toBeGreaterThan(0);
          const rows = (sent.json as { recipients?: unknown } | undefined)?.recipients;
          if (Array.isArray(rows)) expect(batch.batch.total + batch.batch.skipped, what).toBe(rows.length);
        } else if (sent.method === 'POST' && path.split('?')[0] === '/v1/batches') counts.refused++;
        if (response.status === 200 && path.includes('/items')) {
          const page = batchItemPageSchema.parse(JSON.parse(answer));
          if (page.next !== null) expect(page.next, what).toBeLessThanOrEqual(2 ** 31 - 1);
        }
      }),
      { numRuns: BATCH_RUNS, examples: BATCH_FINDINGS.map((request): [BatchRequest] => [request]) },
    );
    // Both outcomes were exercised, and every batch created can be read back from the store.
    expect(counts.created).toBeGreaterThan(BATCH_RUNS / 20);
    expect(counts.refused).toBeGreaterThan(BATCH_RUNS / 20);
    for (const id of created.slice(0, 25)) expect((await api.client.listBatchItems(id)).items.length).toBeGreaterThan(0);
  }, 60_000);
});
