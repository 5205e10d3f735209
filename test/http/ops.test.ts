import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MissiveClient } from '../../src/client/index.js';
import { PrometheusMetrics } from '../../src/metrics/prometheus.js';
import { PermanentProviderError, RetryableProviderError } from '../../src/providers/errors.js';
import { type RunningRoles, startRoles } from '../../src/runtime/roles.js';
import { startTestMissive, type TestMissive } from '../support/missive.js';
import { UNREACHABLE_AMQP_URL } from '../support/rabbitmq.js';
import { startTestApi, type TestApi } from './support.js';

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The value of one sample line of the Prometheus text format. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('HTTP /healthz, /readyz, /metrics and /docs', () => {
  let api: TestApi | undefined;

  afterEach(async () => {
    await api?.destroy().catch(() => undefined);
    api = undefined;
  });

  it("exports what the producer, worker and scheduler report, and the gauges read at scrape time", async () => {
    api = await startTestApi('sqlite', { roles: ['worker', 'scheduler'], overrides: { metrics: new PrometheusMetrics() } });
    const { client } = api;
    const now = await client.sendMessage({ channel: 'email', to: 'a@example.com', subject: 'Hi', text: 'x' });
    const soon = await client.sendMessage({ channel: 'sms', to: '+14155550100', text: 'y', delivery: { mode: 'scheduled', at: new Date(Date.now() + 1_500).toISOString() } });
    for (const id of [now.id, soon.id]) await expect.poll(async () => (await client.getMessage(id)).status, { timeout: 10_000 }).toBe('delivered');
    // The scheduler records lateness once the broker confirmed its publish, which may come after the delivery.
    await expect.poll(async () => sample(await client.metrics(), 'missive_scheduled_lateness_seconds_count'), { timeout: 5_000 }).toBe(1);
    const text = await client.metrics();
    expect(sample(text, 'missive_messages_accepted_total{channel="email",mode="immediate"}')).toBe(1);
    expect(sample(text, 'missive_messages_accepted_total{channel="sms",mode="scheduled"}')).toBe(1);
    expect(sample(text, 'missive_messages_delivered_total{channel="sms",provider="inbox"}')).toBe(1);
    expect(sample(text, 'missive_delivery_latency_seconds_count{channel="email",provider="inbox"}')).toBe(1);
    expect(sample(text, 'missive_scheduled_lateness_seconds_count')).toBe(1);
    expect(sample(text, 'missive_messages{status="delivered"}')).toBe(2);
    expect(sample(text, 'missive_queue_depth{queue="email"}')).toBe(0);
    expect(sample(text, 'missive_queue_depth{queue="dead-letter"}')).toBe(0);
    expect(sample(text, 'missive_breaker_state{provider="inbox"}')).toBe(0);
    expect(sample(text, 'missive_http_request_duration_seconds_count{method="POST",route="/v1/messages",status="202"}')).toBe(2);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('exports messages failed for good, and batch item outcomes, retries and latency, as the worker and the batch runner record them', async () => {
    const config = { providers: { inbox: { type: 'outbox', path: '/dev/null' }, vendor: { type: 'scripted' } }, channels: { chat: { providers: ['vendor'] } } };
    api = await startTestApi('postgres', { roles: ['worker', 'batch'], config, overrides: { metrics: new PrometheusMetrics() } });
    const { client } = api;
    let flaky = 0;
    api.missive.vendor.delayMs = 5;
    api.missive.vendor.scripts.set('vendor', (message) => {
      if (message.to === '#gone') return new PermanentProviderError('channel_not_found', { status: 404 });
      if (message.to === '#flaky' && ++flaky === 1) return new RetryableProviderError('HTTP 503', { status: 503 });
      return undefined;
    });
    const { id } = await client.sendMessage({ channel: 'chat', to: '#gone', text: 'x' });
    const { batch } = await client.createBatch({ template: { channel: 'chat', text: 'Hi {{ name }}' }, recipients: ['#a', '#b', '#flaky', '#gone'].map((to) => ({ to, name: to })) });
    await expect.poll(async () => (await client.getMessage(id)).status, { timeout: 10_000 }).toBe('failed');
    await expect.poll(async () => (await client.getBatch(batch.id)).status, { timeout: 15_000 }).toBe('completed');
    const text = await client.metrics();
    expect(sample(text, 'missive_messages_failed_total{channel="chat",provider="vendor",kind="permanent"}')).toBe(1);
    expect(sample(text, 'missive_messages_dead_lettered_total{channel="chat",provider="vendor",reason="permanent"}')).toBe(1);
    expect(sample(text, 'missive_batch_items_total{channel="chat",provider="vendor",outcome="sent"}')).toBe(3);
    expect(sample(text, 'missive_batch_items_total{channel="chat",provider="vendor",outcome="failed"}')).toBe(1);
    expect(sample(text, 'missive_batch_item_retries_total{channel="chat",provider="vendor",kind="retryable"}')).toBe(1);
    expect(sample(text, 'missive_batch_item_latency_seconds_count{channel="chat",provider="vendor"}')).toBe(3);
    expect(sample(text, 'missive_batch_item_latency_seconds_sum{channel="chat",provider="vendor"}')).toBeGreaterThan(0);
    // Batch items are not messages: none of them counts as a delivered message.
    expect(sample(text, 'missive_messages_delivered_total{channel="chat",provider="vendor"}')).toBeUndefined();
    expect(sample(text, 'missive_batch_items{status="sent"}')).toBe(3);
  });

  it('answers /healthz and /readyz, and documents every route', async () => {
    api = await startTestApi('postgres');
    expect(await api.client.health()).toEqual({ status: 'ok' });
    expect(await api.client.ready()).toEqual({ ready: true, checks: { broker: 'up', store: 'up' } });
    const document = await api.client.openApi();
    const paths = Object.keys(document.paths as object);
    expect(paths).toEqual(expect.arrayContaining(['/v1/messages', '/v1/messages/{id}', '/v1/providers', '/v1/dead-letters', '/v1/dead-letters/{id}/replay', '/healthz', '/readyz', '/metrics', '/docs']));
    const page = await api.request('/docs');
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    for (const path of paths) expect(html).toContain(`<code>${path}</code>`);
    const browser = await api.request('/docs', { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(browser.headers.get('content-type')).toContain('text/html');
    expect(browser.headers.get('vary')).toContain('Accept');
    // CONTRACT.md: GET /docs is the OpenAPI document, for a client that asks for JSON.
    const json = await api.request('/docs', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(json.headers.get('vary')).toContain('Accept');
    expect(await json.json()).toEqual(document);
  });

  it('is not ready, naming RabbitMQ, once the broker is gone; messages are still accepted', async () => {
    api = await startTestApi('sqlite');
    await (await api.missive.runtime.broker()).close();
    const response = await api.request('/readyz');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'not_ready', detail: 'RabbitMQ is down', checks: { broker: 'down', store: 'up' } });
    expect((await api.client.health()).status).toBe('ok');
    expect((await api.client.sendMessage({ channel: 'chat', to: '#ops', text: 'relayed later' })).status).toBe('queued');
  });

  it('starts while RabbitMQ is unreachable: not ready, naming RabbitMQ, and messages accepted for the relay', async () => {
    api = await startTestApi('sqlite', { amqpUrl: UNREACHABLE_AMQP_URL });
    expect(await api.client.ready()).toEqual({ ready: false, checks: { broker: 'down', store: 'up' } });
    const receipt = await api.client.sendMessage({ channel: 'chat', to: '#ops', text: 'stored for later' });
    expect(receipt.status).toBe('queued');
    expect(await api.missive.runtime.store.getMessage(receipt.id)).toMatchObject({ status: 'queued', publishedAt: null });
  });

  it('is not ready, naming the store, once the store is gone; an API call then fails with a bare 500', async () => {
    api = await startTestApi('postgres');
    await api.missive.runtime.store.close();
    expect(await api.client.ready()).toEqual({ ready: false, checks: { broker: 'up', store: 'down' } });
    const response = await api.request('/v1/messages/01NOTTHERE');
    expect(response.status).toBe(500);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ code: 'internal_error', requestId: response.headers.get('x-request-id') });
    expect(JSON.stringify(problem)).not.toMatch(/postgres|pool|kysely|stack/i);
  });
});

describe('HTTP servers of each role', () => {
  let missive: TestMissive | undefined;
  let running: RunningRoles | undefined;
  let blocker: Server | undefined;

  afterEach(async () => {
    await running?.stop();
    await missive?.destroy();
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    running = undefined;
    missive = undefined;
    blocker = undefined;
  });

  it('serves the ops routes on http.metricsPort, and not on the API port, when set', async () => {
    missive = await startTestMissive('sqlite', { roles: [] });
    const metricsPort = await freePort();
    missive.runtime.settings.http.metricsPort = metricsPort;
    running = await startRoles(missive.runtime, ['http'], { serveOps: true });
    expect(running.urls.ops).toBe(`http://127.0.0.1:${metricsPort}`);
    expect(running.urls.api).not.toBe(running.urls.ops);
    const client = new MissiveClient({ baseUrl: running.urls.api ?? '', opsBaseUrl: running.urls.ops ?? '' });
    expect((await client.ready()).ready).toBe(true);
    expect(await client.metrics()).toContain('missive_messages{status=');
    expect((await fetch(`${running.urls.api}/healthz`)).status).toBe(404);
    expect((await fetch(`${running.urls.ops}/v1/providers`)).status).toBe(404);
    expect((await client.sendMessage({ channel: 'chat', to: '#ops', text: 'hi' })).created).toBe(true);
  });

  it('serves /healthz, /readyz and /metrics from a worker-only process on PORT', async () => {
    missive = await startTestMissive('sqlite', { roles: [] });
    running = await startRoles(missive.runtime, ['worker'], { serveOps: true });
    expect(running.urls.api).toBeUndefined();
    const ops = new MissiveClient({ baseUrl: running.urls.ops ?? '' });
    expect(await ops.health()).toEqual({ status: 'ok' });
    expect((await ops.ready()).ready).toBe(true);
    expect(await ops.metrics()).toContain('missive_breaker_state{provider="inbox"} 0');
    expect((await fetch(`${running.urls.ops}/v1/providers`)).status).toBe(404);
  });

  it('opens no port for roles embedded without serveOps', async () => {
    missive = await startTestMissive('sqlite', { roles: [] });
    running = await startRoles(missive.runtime, ['worker', 'scheduler']);
    expect(running.urls).toEqual({});
  });

  it("runs a worker without probes when PORT is taken, but fails the API's start", async () => {
    missive = await startTestMissive('sqlite', { roles: [] });
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(0, resolve));
    missive.runtime.settings.port = (blocker.address() as { port: number }).port;
    running = await startRoles(missive.runtime, ['worker'], { serveOps: true });
    expect(running.urls).toEqual({});
    await expect(startRoles(missive.runtime, ['http'])).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
