import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { INSERT_CHUNK_SIZE } from '../../src/batch/create.js';
import { BatchService } from '../../src/batch/service.js';
import { ValidationError } from '../../src/core/errors.js';
import { STORE_KINDS } from '../support/stores.js';
import { type BatchHarness, chatCsv, chatTemplate, openBatchHarness } from './support.js';

/** Counts rows of the batch tables, to prove a refused batch left nothing behind. */
async function tableCounts(harness: BatchHarness): Promise<{ batches: number; items: number }> {
  const db = harness.runtime.store.context.db.withTables<{ batches: { id: string }; batch_items: { item: number } }>();
  const batches = await db.selectFrom('batches').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const items = await db.selectFrom('batch_items').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { batches: Number(batches.n), items: Number(items.n) };
}

async function refusal(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

const malformedCsv = [
  'to,name', // line 1
  'a@example.com,Ann', // 2
  'not-an-email,Bob', // 3: invalid address for email
  'c@example.com', // 4: one field short
  '', // 5: blank, skipped silently
  'd@example.com,"Dee, ""D"""', // 6: quoted comma and quotes
  'e@example.com,"Eve', // 7: quote never closed
].join('\n');

describe.each(STORE_KINDS)('creating batches (%s)', (kind) => {
  let harness: BatchHarness;
  afterEach(async () => harness?.destroy());

  it('skips malformed CSV rows, reporting each line and reason, and inserts the rest in order', async () => {
    harness = await openBatchHarness(kind);
    const template = { channel: 'email', subject: 'Hi {{ name }}', html: '<p>{{ name }}</p>' };
    const { batch, rowErrors } = await harness.service.create({ template, recipients: { format: 'csv', input: Readable.from([malformedCsv]) } });
    expect(batch).toMatchObject({ status: 'pending', total: 2, skipped: 3, pending: 2, sent: 0, failed: 0, provider: 'vendor' });
    expect(rowErrors.map((error) => [error.line, error.rule])).toEqual([
      [3, 'format'],
      [4, 'column_count'],
      [7, 'unclosed_quote'],
    ]);
    expect(rowErrors[0]?.reason).toContain('to: must be an email address');
    const items = await harness.service.listItems(batch.id);
    expect(items.items.map((item) => [item.item, item.line, item.to, item.idempotencyKey])).toEqual([
      [1, 2, 'a@example.com', `${batch.id}:1`],
      [2, 6, 'd@example.com', `${batch.id}:2`],
    ]);
  });

  it('with strict, refuses the whole batch at the first bad row and inserts nothing', async () => {
    harness = await openBatchHarness(kind);
    const before = await tableCounts(harness);
    const csv = `${chatCsv(3000)}#bad\n`; // three full insert chunks, then a row missing its name
    const error = await refusal(
      harness.service.create({ template: chatTemplate, strict: true, recipients: { format: 'csv', input: Readable.from([csv]) } }),
    );
    expect(error.issues).toEqual([{ path: 'line 3002', rule: 'column_count', message: 'line 3002: has 1 field; the header has 2' }]);
    expect(await tableCounts(harness)).toEqual(before);
  });

  it('reads NDJSON and JSON arrays, rendering nested values', async () => {
    harness = await openBatchHarness(kind);
    const ndjson = '{"to":"#a","user":{"name":"Ann"}}\nnot json\n{"to":"#b","user":{"name":"Bo"}}\n';
    const template = { channel: 'chat', text: 'Hi {{ user.name }}' };
    const fromLines = await harness.service.create({ template, recipients: { format: 'ndjson', input: Readable.from([ndjson]) } });
    expect(fromLines.batch).toMatchObject({ total: 2, skipped: 1 });
    expect(fromLines.rowErrors).toMatchObject([{ line: 2, rule: 'invalid_json' }]);
    const fromArray = await harness.service.create({ template, recipients: { format: 'json', rows: [{ to: '#c', user: { name: 'Cy' } }, { name: 'x' }] } });
    expect(fromArray.batch).toMatchObject({ total: 1, skipped: 1 });
    expect(fromArray.rowErrors).toMatchObject([{ line: 2, rule: 'missing_to' }]);
  });

  it('refuses a CSV whose header lacks a column the template uses, and a file with no usable row', async () => {
    harness = await openBatchHarness(kind);
    const missing = await refusal(
      harness.service.create({ template: { channel: 'chat', text: '{{ nickname }}' }, recipients: { format: 'csv', input: Readable.from(['to\n#a\n']) } }),
    );
    expect(missing.issues[0]).toMatchObject({ path: 'recipients', rule: 'missing_column' });
    const empty = await refusal(harness.service.create({ template: chatTemplate, recipients: { format: 'json', rows: [{ to: 5 }] } }));
    expect(empty.issues.map((issue) => issue.path)).toEqual(['recipients', 'line 1']);
    expect(await tableCounts(harness)).toEqual({ batches: 0, items: 0 });
  });

  it('refuses a bad template, an unknown provider and a bad concurrency before reading any row', async () => {
    harness = await openBatchHarness(kind);
    const recipients = { format: 'json', rows: [{ to: '#a', name: 'A' }] } as const;
    expect((await refusal(harness.service.create({ template: { channel: 'chat', to: '#x', text: 'x' }, recipients }))).issues[0]?.path).toBe('to');
    expect((await refusal(harness.service.create({ template: chatTemplate, recipients, provider: 'nope' }))).issues[0]).toMatchObject({
      path: 'provider',
      rule: 'unknown_provider',
    });
    expect((await refusal(harness.service.create({ template: chatTemplate, recipients, concurrency: 0 }))).issues[0]?.path).toBe('concurrency');
  });

  it('inserts a large file in chunks, whatever its size', async () => {
    harness = await openBatchHarness(kind);
    const sizes: number[] = [];
    const insertItems = harness.store.insertItems.bind(harness.store);
    harness.store.insertItems = async (id, items, now) => {
      sizes.push(items.length);
      return insertItems(id, items, now);
    };
    const spied = new BatchService({ store: harness.store, providers: () => harness.runtime.providers(), clock: harness.runtime.clock, newId: harness.runtime.newId, defaultConcurrency: 16 });
    const rows = (function* () {
      yield 'to,name\n';
      for (let i = 1; i <= 2_500; i++) yield `#r${i},n${i}\n`;
    })();
    const { batch } = await spied.create({ template: chatTemplate, recipients: { format: 'csv', input: Readable.from(rows) } });
    expect(batch.total).toBe(2_500);
    expect(sizes).toEqual([INSERT_CHUNK_SIZE, INSERT_CHUNK_SIZE, 500]);
  });
});
