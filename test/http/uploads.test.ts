import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { TEST_POSTGRES_URL } from '../support/stores.js';
import { startTestApi, type TestApi } from './support.js';

const template = encodeURIComponent(JSON.stringify({ channel: 'chat', text: 'Hi {{ name }}' }));

/** Rows of the batches table: a failed creation leaves none behind. */
async function batchRows(api: TestApi): Promise<number> {
  const db = api.missive.runtime.store.context.db.withTables<{ batches: { id: string } }>();
  const row = await db.selectFrom('batches').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('HTTP /v1/batches uploads that end badly (postgres)', () => {
  let api: TestApi;
  const lines: Record<string, unknown>[] = [];
  const logged = (reqId: string | null) => lines.filter((line) => line.reqId === reqId);

  beforeAll(async () => {
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    });
    api = await startTestApi('postgres', { overrides: { logger } });
    // A real database failure on demand: the store refuses any item whose recipient is #boom.
    const schema = new URL(api.missive.database.url).searchParams.get('schema') as string;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER TABLE "${schema}".batch_items ADD CONSTRAINT refuse_boom CHECK (recipient <> '#boom')`);
    } finally {
      await admin.end();
    }
  });
  afterAll(async () => {
    await api?.destroy();
  });

  it('answers a database failure with a 500 and an error log line, not a 400 blaming the connection', async () => {
    const before = await batchRows(api);
    const response = await api.request(`/v1/batches?template=${template}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'to,name\n#a,A\n#boom,B\n' });
    expect(response.status).toBe(500);
    const reqId = response.headers.get('x-request-id');
    expect(await response.json()).toMatchObject({ code: 'internal_error', requestId: reqId });
    const failed = logged(reqId).find((line) => line.msg === 'request failed');
    expect(failed).toMatchObject({ level: 50, path: '/v1/batches', err: { message: expect.stringContaining('refuse_boom') } });
    expect(logged(reqId).find((line) => line.msg === 'request')).toMatchObject({ status: 500 });
    expect(await batchRows(api)).toBe(before);
  });

  it('logs an upload the client abandoned, as 499, and keeps nothing of it', async () => {
    const before = await batchRows(api);
    const reqId = 'abandoned-upload-1';
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(`${api.url}/v1/batches?template=${template}`, { method: 'POST', headers: { 'content-type': 'text/csv', 'x-request-id': reqId } });
      request.on('error', () => resolve());
      request.on('response', () => reject(new Error('the server answered an upload it had not received')));
      request.write('to,name\n#a,A\n');
      // Once the server has read the start of it, the client goes away.
      const started = setInterval(() => {
        void batchRows(api).then((rows) => {
          if (rows > before) {
            clearInterval(started);
            request.destroy();
          }
        });
      }, 20);
    });
    await expect.poll(() => logged(reqId).find((line) => line.msg === 'request aborted by the client'), { timeout: 5_000 }).toMatchObject({
      level: 30,
      method: 'POST',
      path: '/v1/batches',
      route: '/v1/batches',
      status: 499,
    });
    await expect.poll(() => batchRows(api)).toBe(before);
    expect(logged(reqId).filter((line) => line.level === 50)).toEqual([]);
  });
});
