import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreatedBatch, MissiveApiError } from '../../src/client/index.js';
import { batchItemPageSchema, batchViewSchema, createdBatchSchema } from '../../src/http/schemas.js';
import { readOutbox } from '../support/missive.js';
import { STORE_KINDS } from '../support/stores.js';
import { startTestApi, type TestApi } from './support.js';

const KEY = 'batch-key-41c7d2';
const auth = { authorization: `Bearer ${KEY}` };
const chatTemplate = { channel: 'chat', text: 'Hello {{ name }}' };
/** A start time far enough away that the runner leaves the batch alone. */
const later = () => new Date(Date.now() + 3_600_000).toISOString();

/** The error a call fails with. */
async function failure(call: Promise<unknown>): Promise<MissiveApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MissiveApiError)) throw new Error(`expected a MissiveApiError, got ${String(error)}`);
  return error;
}

/** The value of one sample line of the Prometheus text format. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

/** Rows of the batches table, to prove a refused batch left nothing behind. */
async function batchRows(api: TestApi): Promise<number> {
  const db = api.missive.runtime.store.context.db.withTables<{ batches: { id: string } }>();
  const row = await db.selectFrom('batches').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(STORE_KINDS)('HTTP /v1/batches: %s', (kind) => {
  let api: TestApi;
  /** POSTs a raw body to /v1/batches with the key, and returns status and JSON. */
  const post = async (query: string, contentType: string, body: string, headers: Record<string, string> = auth) => {
    const response = await api.request(`/v1/batches${query}`, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body });
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    api = await startTestApi(kind, { roles: ['batch'], apiKeys: [KEY] });
  });
  afterAll(async () => {
    await api?.destroy();
  });

  it('runs a JSON batch to completion: 201, items in the outbox with batchId and item, pages of items, then 409', async () => {
    const recipients = [
      { to: '#ann', name: 'Ann' },
      { to: '#bob', name: 'Bob' },
      { to: '#cy', name: 'Cy' },
    ];
    const response = await api.request('/v1/batches', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ template: chatTemplate, recipients }) });
    expect(response.status).toBe(201);
    const created = createdBatchSchema.parse(await response.json());
    const id = created.batch.id;
    expect(response.headers.get('location')).toBe(`/v1/batches/${id}`);
    expect(created).toMatchObject({ batch: { total: 3, skipped: 0, provider: 'inbox', channel: 'chat' }, rowErrors: [], rowErrorsTruncated: false });

    await expect.poll(async () => (await api.client.getBatch(id)).status, { timeout: 15_000 }).toBe('completed');
    const view = batchViewSchema.parse(await api.client.getBatch(id));
    expect(view).toMatchObject({ total: 3, sent: 3, failed: 0, pending: 0, sending: 0, done: 3, etaSeconds: 0, reason: null });
    const lines = readOutbox(api.missive.outboxPath).filter((line) => line.batchId === id);
    expect(lines.map((line) => [line.item, line.to, line.content.text, line.idempotencyKey]).sort()).toEqual([
      [1, '#ann', 'Hello Ann', `${id}:1`],
      [2, '#bob', 'Hello Bob', `${id}:2`],
      [3, '#cy', 'Hello Cy', `${id}:3`],
    ]);

    const first = batchItemPageSchema.parse(await api.client.listBatchItems(id, { limit: 2 }));
    expect(first.items.map((item) => [item.item, item.to, item.status, item.idempotencyKey])).toEqual([
      [1, '#ann', 'sent', `${id}:1`],
      [2, '#bob', 'sent', `${id}:2`],
    ]);
    expect(first.next).toBe(2);
    const second = await api.client.listBatchItems(id, { limit: 2, after: first.next ?? 0 });
    expect(second).toMatchObject({ items: [{ item: 3, status: 'sent', attempts: 1, error: null }], next: null });
    expect(await api.client.listBatchItems(id, { status: 'failed' })).toEqual({ items: [], next: null });

    const finished = await failure(api.client.pauseBatch(id));
    expect(finished.problem).toMatchObject({ status: 409, code: 'batch_finished', type: 'urn:missive:problem:batch_finished', instance: `/v1/batches/${id}/pause` });
    expect((await failure(api.client.cancelBatch(id))).code).toBe('batch_finished');
  });

  it('pauses, resumes and cancels a batch waiting for its start time; a cancelled one answers 409', async () => {
    const created = await api.client.createBatch({ template: chatTemplate, recipients: [{ to: '#a', name: 'A' }], at: later(), concurrency: 4, autoResume: false });
    const id = created.batch.id;
    expect(created.batch).toMatchObject({ status: 'pending', concurrency: 4, autoResume: false, pending: 1 });
    expect(Date.parse(created.batch.startAt ?? '')).toBeGreaterThan(Date.now());
    expect(await api.client.pauseBatch(id)).toMatchObject({ status: 'paused', reason: 'manual' });
    expect(await api.client.pauseBatch(id)).toMatchObject({ status: 'paused', reason: 'manual' });
    expect(await api.client.resumeBatch(id)).toMatchObject({ status: 'pending', reason: null });
    expect(await api.client.cancelBatch(id)).toMatchObject({ status: 'cancelled' });
    expect(await api.client.cancelBatch(id)).toMatchObject({ status: 'cancelled' });
    const refused = await failure(api.client.resumeBatch(id));
    expect(refused.problem).toMatchObject({ status: 409, code: 'batch_finished' });
    expect(refused.problem.detail).toContain('cancelled');
  });

  it('skips bad JSON recipients and reports them (201), or refuses them all with strict (400 naming recipients[i])', async () => {
    const recipients = [{ to: '#a', name: 'A' }, { name: 'no address' }, 'not an object', { to: '#d' }];
    const created = await api.client.createBatch({ template: chatTemplate, recipients: recipients as never, at: later() });
    expect(created.batch).toMatchObject({ total: 1, skipped: 3 });
    expect(created.rowErrors.map((error) => [error.line, error.rule])).toEqual([
      [2, 'missing_to'],
      [3, 'not_object'],
      [4, 'missing_column'],
    ]);

    const before = await batchRows(api);
    const strict = await failure(api.client.createBatch({ template: chatTemplate, recipients: recipients as never, strict: true }));
    expect(strict.problem).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ path: 'recipients[1].to', rule: 'missing_to' }] });
    const email = await failure(
      api.client.createBatch({ template: { channel: 'email', subject: 'Hi', text: 'x' }, recipients: [{ to: 'a@example.com' }, { to: 'not-an-email' }], strict: true }),
    );
    expect(email.problem.errors).toEqual([expect.objectContaining({ path: 'recipients[1].to', message: expect.stringMatching(/^recipients\[1\]\.to: /) })]);
    const empty = await failure(api.client.createBatch({ template: chatTemplate, recipients: [] }));
    expect(empty.problem.errors?.[0]).toMatchObject({ path: 'recipients', rule: 'empty' });
    expect(await batchRows(api)).toBe(before);
  });

  it('answers 400 naming the field for a bad template, option or body', async () => {
    const errors = async (body: unknown) => {
      const { status, type, body: problem } = await post('', 'application/json', JSON.stringify(body));
      expect(status).toBe(400);
      expect(type).toContain('application/problem+json');
      return (problem.errors as { path: string; rule: string; message: string }[]).map((error) => [error.path, error.rule]);
    };
    const recipients = [{ to: '#a', name: 'A' }];
    expect(await errors({ template: { channel: 'email', subject: 42, text: 'x' }, recipients })).toEqual([['template.subject', 'type']]);
    expect(await errors({ template: { channel: 'chat', to: '#x', text: 'x' }, recipients })).toEqual([['template.to', 'not_allowed']]);
    expect(await errors({ template: { channel: 'chat', text: 'Hi {{ bad name }}' }, recipients })).toEqual([['template.text', 'placeholder']]);
    expect(await errors({ template: { channel: 'pigeon', text: 'x' }, recipients })).toContainEqual(['template.channel', expect.any(String)]);
    expect(await errors({ template: { channel: 'chat', text: 'x', provider: 'nope' }, recipients })).toEqual([['template.provider', 'unknown_provider']]);
    expect(await errors({ template: chatTemplate, recipients, provider: 'nope' })).toEqual([['provider', 'unknown_provider']]);
    expect(await errors({ template: chatTemplate, recipients, concurrency: 0, at: '2030-01-01T09:00:00', surprise: 1 })).toEqual(
      expect.arrayContaining([
        ['concurrency', 'min'],
        ['at', 'format'],
        ['surprise', 'unknown_key'],
      ]),
    );
    expect(await errors({ recipients })).toEqual([['template', 'required']]);
    expect(await errors({ template: chatTemplate, recipients: { to: '#a' } })).toEqual([['recipients', 'type']]);
    const stray = await post(`?template=${encodeURIComponent(JSON.stringify(chatTemplate))}`, 'application/json', JSON.stringify({ template: chatTemplate, recipients }));
    expect(stray.body).toMatchObject({ status: 400, errors: [{ path: 'template', rule: 'not_allowed' }] });
    expect((await post('', 'application/json', '{"template":')).body).toMatchObject({ status: 400, code: 'malformed_json' });
  });

  it('streams a CSV upload with the template in the query: rows skipped by line, or refused with strict', async () => {
    const csv = ['to,name', '#a,Ann', '#b', '', '#c,"Cy, ""C"""', '"#d,Dee'].join('\n');
    const template = encodeURIComponent(JSON.stringify(chatTemplate));
    const { status, body } = await post(`?template=${template}&at=${encodeURIComponent(later())}&concurrency=2&autoResume=false`, 'text/csv; charset=utf-8', csv);
    expect(status).toBe(201);
    const created = createdBatchSchema.parse(body);
    expect(created.batch).toMatchObject({ total: 2, skipped: 2, concurrency: 2, autoResume: false, status: 'pending' });
    expect(created.rowErrors.map((error) => [error.line, error.rule])).toEqual([
      [3, 'column_count'],
      [6, 'unclosed_quote'],
    ]);
    const items = await api.client.listBatchItems(created.batch.id);
    expect(items.items.map((item) => [item.item, item.line, item.to])).toEqual([
      [1, 2, '#a'],
      [2, 5, '#c'],
    ]);

    const before = await batchRows(api);
    const strict = await post(`?template=${template}&strict=true`, 'text/csv', csv);
    expect(strict.status).toBe(400);
    expect(strict.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'line 3', rule: 'column_count' }] });
    expect(await batchRows(api)).toBe(before);
  });

  it('streams NDJSON through the typed client from a Node Readable, as application/x-ndjson or application/jsonl', async () => {
    const lines = ['{"to":"#n1","name":"One"}\n', '{"to":\n', '{"to":"#n3","name":"Three"}\n'];
    for (const contentType of ['application/x-ndjson', 'application/jsonl']) {
      const created: CreatedBatch = await api.client.createBatch({ template: chatTemplate, recipients: Readable.from(lines), contentType, at: later(), provider: 'inbox' });
      expect(created.batch).toMatchObject({ total: 2, skipped: 1, provider: 'inbox' });
      expect(created.rowErrors).toEqual([expect.objectContaining({ line: 2, rule: 'invalid_json' })]);
    }
    const web = new Blob(['{"to":"#w1","name":"Web"}\n']).stream();
    expect((await api.client.createBatch({ template: chatTemplate, recipients: web, contentType: 'application/x-ndjson', at: later() })).batch.total).toBe(1);
  });

  it('refuses lone surrogates (which PostgreSQL cannot store) with 400 naming the field, or as a row error with its line', async () => {
    const json = await post('', 'application/json', '{"template":{"channel":"chat","text":"Hi {{ name }}"},"recipients":[{"to":"#a","name":"A"},{"to":"#b\\ud800","name":"B"}]}');
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'recipients[1].to', rule: 'lone_surrogate' }] });
    const template = encodeURIComponent('{"channel":"chat","text":"Hi \\udc00 {{ name }}"}');
    const inQuery = await post(`?template=${template}`, 'application/x-ndjson', '{"to":"#a","name":"A"}\n');
    expect(inQuery.status).toBe(400);
    expect(inQuery.body).toMatchObject({ errors: [{ path: 'template.text', rule: 'lone_surrogate' }] });
    const ndjson = ['{"to":"#a","name":"A"}', '{"to":"#b\\ud800","name":"B"}', '{"to":"#c","name":"\\udfff"}', '{"to":"#d","name":"D \\ud83d\\ude00"}'].join('\n');
    const upload = await post(`?template=${encodeURIComponent(JSON.stringify(chatTemplate))}&at=${encodeURIComponent(later())}`, 'application/x-ndjson', ndjson);
    expect(upload.status).toBe(201);
    const created = createdBatchSchema.parse(upload.body);
    expect(created.rowErrors.map((error) => [error.line, error.rule, error.field])).toEqual([
      [2, 'lone_surrogate', 'to'],
      [3, 'lone_surrogate', 'name'],
    ]);
    const items = await api.client.listBatchItems(created.batch.id);
    expect(items.items.map((item) => [item.line, item.to])).toEqual([
      [1, '#a'],
      [4, '#d'],
    ]);
    const strict = await post(`?template=${encodeURIComponent(JSON.stringify(chatTemplate))}&strict=true`, 'application/x-ndjson', ndjson);
    expect(strict.body).toMatchObject({ status: 400, errors: [{ path: 'line 2', rule: 'lone_surrogate' }] });
  });

  it('answers 400 for a bad upload query and 415 for a media type it does not take', async () => {
    const template = encodeURIComponent(JSON.stringify(chatTemplate));
    const paths = async (query: string) => {
      const { status, body } = await post(query, 'text/csv', 'to,name\n#a,A\n');
      expect(status).toBe(400);
      return (body.errors as { path: string; rule: string }[]).map((error) => [error.path, error.rule]);
    };
    expect(await paths('')).toEqual([['template', 'required']]);
    expect(await paths('?template=%7B%22channel')).toEqual([['template', 'json']]);
    expect(await paths(`?template=${encodeURIComponent('{"channel":"email","subject":7,"text":"x"}')}`)).toEqual([['template.subject', 'type']]);
    expect(await paths(`?template=${template}&strict=yes&concurrency=1.5&bogus=1`)).toEqual(
      expect.arrayContaining([
        ['strict', expect.any(String)],
        ['concurrency', expect.any(String)],
        ['bogus', 'unknown_key'],
      ]),
    );
    const noBody = await api.request(`/v1/batches?template=${template}`, { method: 'POST', headers: auth });
    expect(noBody.status).toBe(400);

    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const { status, body } = await post(`?template=${template}`, type, 'to\n#a\n');
      expect(status, type).toBe(415);
      expect(body).toMatchObject({
        code: 'unsupported_media_type',
        detail: 'the request body must be sent as application/json, text/csv, application/csv, application/x-ndjson, application/ndjson or application/jsonl',
      });
    }
  });

  it('answers 404 for an unknown batch, 400 for a bad id or query, and 401 without a key', async () => {
    for (const call of [
      () => api.client.getBatch('01NOTTHERE'),
      () => api.client.pauseBatch('01NOTTHERE'),
      () => api.client.resumeBatch('01NOTTHERE'),
      () => api.client.cancelBatch('01NOTTHERE'),
      () => api.client.listBatchItems('01NOTTHERE'),
    ]) {
      expect((await failure(call())).problem).toMatchObject({ status: 404, code: 'not_found' });
    }
    const badId = await api.request('/v1/batches/bad%20id', { headers: auth });
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({ errors: [{ path: 'id' }] });
    const { batch } = await api.client.createBatch({ template: chatTemplate, recipients: [{ to: '#q', name: 'Q' }], at: later() });
    const badQuery = await failure(api.client.listBatchItems(batch.id, { limit: 0, status: 'lost' as never }));
    expect(badQuery.problem.errors?.map((error) => error.path).sort()).toEqual(['limit', 'status']);
    // Item numbers are 32-bit integers in the store: a larger `after` is the client's mistake, not a 500.
    for (const query of ['after=2147483648', 'after=1e300', 'after=-1', 'limit=4294967296']) {
      const response = await api.request(`/v1/batches/${batch.id}/items?${query}`, { headers: auth });
      expect(response.status, query).toBe(400);
      const paths = ((await response.json()) as { errors: { path: string }[] }).errors.map((error) => error.path);
      expect([...new Set(paths)], query).toEqual([query.split('=')[0]]);
    }
    expect((await api.client.listBatchItems(batch.id, { after: 2_147_483_647 })).items).toEqual([]);

    const anonymous = [
      api.request(`/v1/batches/${batch.id}`),
      api.request(`/v1/batches/${batch.id}/items`),
      api.request(`/v1/batches/${batch.id}/cancel`, { method: 'POST' }),
      api.request(`/v1/batches?template=${encodeURIComponent(JSON.stringify(chatTemplate))}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'to\n#a\n' }),
    ];
    for (const response of await Promise.all(anonymous)) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'unauthorized' });
    }
    expect((await api.client.getBatch(batch.id)).status).toBe('pending');
  });

  it('reports batch items by status in /metrics, from the batches created above', async () => {
    // The only scrape of this server: the counts are cached for 5 s after it.
    const metrics = await api.client.metrics();
    expect(sample(metrics, 'missive_batch_items{status="sent"}')).toBe(3);
    expect(sample(metrics, 'missive_batch_items{status="failed"}')).toBe(0);
    expect(sample(metrics, 'missive_batch_items{status="sending"}')).toBe(0);
    // Waiting for their start time: 1 (JSON, rows skipped) + 2 (CSV) + 2 (lone surrogates) + 2 × 2 + 1
    // (NDJSON) + 1 (404 test); the items of the cancelled and the completed batch are not pending.
    expect(sample(metrics, 'missive_batch_items{status="pending"}')).toBe(11);
  });

  it('documents the batch routes in the OpenAPI document', async () => {
    const document = (await api.client.openApi()) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> }>> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/batches', '/v1/batches/{id}', '/v1/batches/{id}/pause', '/v1/batches/{id}/resume', '/v1/batches/{id}/cancel', '/v1/batches/{id}/items']),
    );
    const create = document.paths['/v1/batches']?.post;
    expect(Object.keys(create?.requestBody?.content ?? {})).toEqual(expect.arrayContaining(['application/json', 'text/csv', 'application/x-ndjson', 'application/jsonl']));
    expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '401', '413', '415']));
  });
});

/**
 * `count` CSV rows, made a thousand at a time as the upload is read: never one string. Each row
 * carries a `note` of `noteBytes` the template does not use, so the upload outweighs the memory
 * bound: a server holding it whole could not pass.
 */
async function* lazyCsv(count: number, noteBytes: number): AsyncGenerator<string> {
  yield 'to,name,note\n';
  const note = 'n'.repeat(noteBytes);
  const perChunk = 1_000;
  for (let start = 1; start <= count; start += perChunk) {
    let chunk = '';
    for (let i = start; i < start + perChunk && i <= count; i++) chunk += `#r${i},name ${i},${note}\n`;
    yield chunk;
  }
}

describe('HTTP /v1/batches: a large CSV upload', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi('sqlite', { apiKeys: [KEY] });
  });
  afterAll(async () => {
    await api?.destroy();
  });

  it('streams 200,000 rows (over 150 MB) into a batch with the memory of the process bounded', { timeout: 60_000 }, async () => {
    const rows = 200_000;
    const uploadMb = (rows * 820) / 2 ** 20;
    // Samples after a full collection, so garbage not yet collected is not mistaken for memory held.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const start = process.memoryUsage();
    const peak = { rss: start.rss, heapUsed: start.heapUsed };
    const sampler = setInterval(() => {
      gc();
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
    }, 250);
    let created: CreatedBatch;
    try {
      created = await api.client.createBatch({ template: chatTemplate, recipients: Readable.from(lazyCsv(rows, 800)), contentType: 'text/csv', at: later() });
    } finally {
      clearInterval(sampler);
    }
    const growthMb = { rss: (peak.rss - start.rss) / 2 ** 20, heapUsed: (peak.heapUsed - start.heapUsed) / 2 ** 20 };
    console.info(`large CSV upload: ${rows} rows, ${uploadMb.toFixed(0)} MB; peak growth rss +${growthMb.rss.toFixed(1)} MB, live heap +${growthMb.heapUsed.toFixed(1)} MB`);
    expect(created.batch).toMatchObject({ total: rows, skipped: 0, pending: rows });
    expect(uploadMb).toBeGreaterThan(150);
    expect(growthMb.rss).toBeLessThan(150);
    expect(growthMb.heapUsed).toBeLessThan(50);
    const last = await api.client.listBatchItems(created.batch.id, { after: rows - 1 });
    expect(last.items).toEqual([expect.objectContaining({ item: rows, line: rows + 1, to: `#r${rows}` })]);
  });
});
