import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissiveApiError } from '../../src/client/index.js';
import { messageViewSchema, sendReceiptSchema } from '../../src/http/schemas.js';
import { STORE_KINDS } from '../support/stores.js';
import { startTestApi, type TestApi } from './support.js';

const HOUR = 3_600_000;
const later = (ms = HOUR) => new Date(Date.now() + ms).toISOString();

/** The error a call fails with. */
async function failure(call: Promise<unknown>): Promise<MissiveApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MissiveApiError)) throw new Error(`expected a MissiveApiError, got ${String(error)}`);
  return error;
}

describe.each(STORE_KINDS)('HTTP /v1/messages: %s', (kind) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(kind, { roles: ['worker', 'scheduler'] });
  });
  afterAll(async () => {
    await api?.destroy();
  });

  const count = async () => Object.values(await api.missive.runtime.store.countByStatus()).reduce((a, b) => a + (b ?? 0), 0);

  it('answers 202 with the id of an immediate message, then shows it delivered', async () => {
    const response = await api.request('/v1/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'email', to: 'a@example.com', subject: 'Hi', text: 'Hello' }),
    });
    expect(response.status).toBe(202);
    const receipt = sendReceiptSchema.parse(await response.json());
    expect(receipt).toMatchObject({ status: 'queued', created: true });
    expect(response.headers.get('location')).toBe(`/v1/messages/${receipt.id}`);
    expect(await api.missive.runtime.store.getMessage(receipt.id)).toBeDefined();
    await expect.poll(async () => (await api.client.getMessage(receipt.id)).status).toBe('delivered');
    const view = messageViewSchema.parse(await api.client.getMessage(receipt.id));
    expect(view).toMatchObject({ id: receipt.id, channel: 'email', to: 'a@example.com', content: { subject: 'Hi', text: 'Hello' }, attempts: 1, provider: 'inbox' });
    expect(view.history.map((entry) => entry.event)).toEqual(['accepted', 'delivered']);
  });

  it('accepts content nested under `content`, as the producer does', async () => {
    const receipt = await api.client.sendMessage({ channel: 'webhook', to: 'https://hooks.example/x', content: { data: { n: 1 } } } as never);
    expect((await api.client.getMessage(receipt.id)).content).toEqual({ data: { n: 1 } });
  });

  it('schedules, reschedules, and cancels a message, then refuses to touch it again (409)', async () => {
    const receipt = await api.client.sendMessage({ channel: 'sms', to: '+14155550100', text: 'later', delivery: { mode: 'scheduled', at: later() } });
    expect(receipt.status).toBe('scheduled');
    const at = later(2 * HOUR);
    const moved = messageViewSchema.parse(await api.client.rescheduleMessage(receipt.id, at));
    expect(Date.parse(moved.scheduledAt ?? '')).toBe(Date.parse(at));
    expect(moved.history.at(-1)).toMatchObject({ event: 'rescheduled', status: 'scheduled' });
    const cancelled = messageViewSchema.parse(await api.client.cancelMessage(receipt.id));
    expect(cancelled.status).toBe('cancelled');
    const again = await failure(api.client.cancelMessage(receipt.id));
    expect(again).toMatchObject({ status: 409, code: 'cancelled' });
    expect(again.problem.instance).toBe(`/v1/messages/${receipt.id}`);
    expect((await failure(api.client.rescheduleMessage(receipt.id, later()))).code).toBe('cancelled');
  });

  it('dispatches a scheduled message now with PATCH { delivery: { mode: "immediate" } }', async () => {
    const receipt = await api.client.sendMessage({ channel: 'chat', to: '#ops', text: 'soon', delivery: { mode: 'scheduled', at: later() } });
    await api.client.rescheduleMessage(receipt.id, { mode: 'immediate' });
    await expect.poll(async () => (await api.client.getMessage(receipt.id)).status, { timeout: 10_000 }).toBe('delivered');
  });

  it('refuses to cancel or reschedule a dispatched message with 409 already_dispatched', async () => {
    const receipt = await api.client.sendMessage({ channel: 'chat', to: '#ops', text: 'now' });
    await expect.poll(async () => (await api.client.getMessage(receipt.id)).status).toBe('delivered');
    const cancel = await failure(api.client.cancelMessage(receipt.id));
    expect(cancel.problem).toMatchObject({ status: 409, code: 'already_dispatched', type: 'urn:missive:problem:already_dispatched' });
    expect((await failure(api.client.rescheduleMessage(receipt.id, later()))).code).toBe('already_dispatched');
  });

  it('takes the idempotency key from the header: a repeat answers 202 with the first id and created false', async () => {
    const message = { channel: 'sms' as const, to: '+14155550101', text: 'once' };
    const key = `order-${kind}-${Date.now()}`;
    const first = await api.client.sendMessage(message, { idempotencyKey: key });
    const second = await api.request('/v1/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ ...message, idempotencyKey: key }),
    });
    expect(second.status).toBe(202);
    expect(await second.json()).toMatchObject({ id: first.id, created: false });
    expect(first.created).toBe(true);
    expect((await api.client.getMessage(first.id)).idempotencyKey).toBe(key);
    const conflict = await failure(api.client.sendMessage({ ...message, idempotencyKey: 'other' }, { idempotencyKey: key }));
    expect(conflict.problem).toMatchObject({ status: 400, errors: [{ path: 'idempotencyKey', rule: 'conflict' }] });
  });

  it('answers 400 naming each field, and stores nothing from an invalid body', async () => {
    const before = await count();
    const noSubject = await failure(api.client.sendMessage({ channel: 'email', to: 'a@example.com', text: 'x' } as never));
    expect(noSubject.problem).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ path: 'subject', rule: 'required' }] });
    const badTime = await failure(api.client.sendMessage({ channel: 'sms', to: '+14155550100', text: 'x', delivery: { mode: 'scheduled', at: '2030-01-01T10:00:00' } }));
    expect(badTime.problem.errors).toEqual([expect.objectContaining({ path: 'delivery.at', rule: 'format' })]);
    const provider = await failure(api.client.sendMessage({ channel: 'sms', to: '+14155550100', text: 'x', provider: 'nope' }));
    expect(provider.problem.errors).toEqual([expect.objectContaining({ path: 'provider', rule: 'unknown_provider' })]);
    const many = await failure(api.client.sendMessage({ channel: 'sms', to: 'x', text: '', bogus: 1 } as never));
    expect(many.problem.errors?.map((issue) => issue.path).sort()).toEqual(['bogus', 'text', 'to']);
    expect(await count()).toBe(before);
  });

  it('validates the PATCH body with the delivery schema', async () => {
    const receipt = await api.client.sendMessage({ channel: 'sms', to: '+14155550100', text: 'later', delivery: { mode: 'scheduled', at: later() } });
    const patch = (body: unknown) =>
      api.request(`/v1/messages/${receipt.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const flat = await patch({ at: later() });
    expect(flat.status).toBe(400);
    expect(((await flat.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual(['at', 'delivery']);
    const noOffset = (await (await patch({ delivery: { mode: 'scheduled', at: '2030-01-01T09:00:00' } })).json()) as { errors: unknown[] };
    expect(noOffset.errors).toEqual([expect.objectContaining({ path: 'delivery.at', rule: 'format' })]);
    expect((await api.client.getMessage(receipt.id)).status).toBe('scheduled');
  });

  it('answers 404 for an unknown message on every method, and 400 for an impossible id', async () => {
    const calls = [() => api.client.getMessage('01NOTTHERE'), () => api.client.cancelMessage('01NOTTHERE'), () => api.client.rescheduleMessage('01NOTTHERE', later())];
    for (const call of calls) expect(await failure(call())).toMatchObject({ status: 404, code: 'not_found' });
    expect((await failure(api.client.getMessage('not an id!'))).problem.errors).toEqual([expect.objectContaining({ path: 'id', rule: 'format' })]);
  });
});

describe('HTTP durable acceptance', () => {
  let api: TestApi;

  beforeAll(async () => {
    // No worker: what the 202 guarantees stays observable.
    api = await startTestApi('sqlite');
  });
  afterAll(async () => {
    await api?.destroy();
  });

  it('answers 202 only once the message is stored and the broker confirmed it', async () => {
    const receipt = await api.client.sendMessage({ channel: 'email', to: 'a@example.com', subject: 'Hi', text: 'x' });
    // At the 202 the row is stored and RabbitMQ holds the message (its confirm is recorded soon after).
    expect(await api.missive.runtime.store.getMessage(receipt.id)).toMatchObject({ status: 'queued' });
    expect(await (await api.missive.runtime.broker()).queueDepth('email')).toBe(1);
    await expect.poll(async () => (await api.missive.runtime.store.getMessage(receipt.id))?.publishedAt).not.toBeNull();
  });

  it('answers 202 while RabbitMQ is down, the stored row guaranteeing the relay publishes it', async () => {
    await (await api.missive.runtime.broker()).close();
    const receipt = await api.client.sendMessage({ channel: 'sms', to: '+14155550100', text: 'x' });
    const stored = await api.missive.runtime.store.getMessage(receipt.id);
    expect(stored).toMatchObject({ status: 'queued', publishedAt: null });
    expect(stored?.dueAt).toBeGreaterThan(Date.now());
  });
});
