import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MissiveApiError } from '../../src/client/index.js';
import { deadLetterPageSchema, providersReportSchema } from '../../src/http/schemas.js';
import { PermanentProviderError } from '../../src/providers/errors.js';
import { STORE_KINDS } from '../support/stores.js';
import { startTestApi, type TestApi } from './support.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe.each(STORE_KINDS)('HTTP /v1/dead-letters and /v1/providers: %s', (kind) => {
  let api: TestApi;
  let failing = true;

  beforeAll(async () => {
    api = await startTestApi(kind, {
      roles: ['worker', 'scheduler'],
      config: {
        providers: { inbox: { type: 'outbox', path: '/dev/null' }, flaky: { type: 'scripted' }, hooks: { type: 'webhook', secret: SECRET } },
        channels: { sms: { providers: ['flaky'] }, webhook: { providers: ['hooks'] } },
      },
    });
    api.missive.vendor.scripts.set('flaky', () => (failing ? new PermanentProviderError('number unreachable') : undefined));
  });
  afterAll(async () => {
    await api?.destroy();
  });

  const failed = async (text: string) => {
    const { id } = await api.client.sendMessage({ channel: 'sms', to: '+14155550100', text });
    await expect.poll(async () => (await api.client.getMessage(id)).status).toBe('failed');
    return id;
  };

  it('lists dead letters page by page, then replays one with fresh attempts', async () => {
    const first = await failed('one');
    const second = await failed('two');
    const page = deadLetterPageSchema.parse(await api.client.listDeadLetters({ limit: 1 }));
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ id: first, status: 'failed', channel: 'sms', attempts: 1, provider: 'flaky', lastError: { kind: 'permanent' } });
    expect(page.next).toBe(first);
    const rest = await api.client.listDeadLetters({ limit: 1, after: page.next ?? '' });
    expect(rest.items.map((item) => item.id)).toEqual([second]);
    expect((await api.client.listDeadLetters({ after: second })).next).toBeNull();

    failing = false;
    const replay = await api.request(`/v1/dead-letters/${first}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ id: first, status: 'queued', published: true });
    await expect.poll(async () => (await api.client.getMessage(first)).status).toBe('delivered');
    expect((await api.client.listDeadLetters()).items.map((item) => item.id)).toEqual([second]);
  });

  it('refuses to replay a message that is not dead-lettered (409) or does not exist (404)', async () => {
    failing = false;
    const { id } = await api.client.sendMessage({ channel: 'chat', to: '#ops', text: 'fine' });
    await expect.poll(async () => (await api.client.getMessage(id)).status).toBe('delivered');
    const conflict = (await api.client.replayDeadLetter(id).catch((e: unknown) => e)) as MissiveApiError;
    expect(conflict).toMatchObject({ status: 409, code: 'not_dead_lettered' });
    expect(((await api.client.replayDeadLetter('01NOTTHERE').catch((e: unknown) => e)) as MissiveApiError).status).toBe(404);
  });

  it('answers 400 for a bad page request', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'after=..', 'cursor=x']) {
      const response = await api.request(`/v1/dead-letters?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('lists the providers as `missive providers --json` does, secrets redacted', async () => {
    const response = await api.request('/v1/providers');
    const text = await response.text();
    expect(text).not.toContain(SECRET);
    const report = providersReportSchema.parse(JSON.parse(text));
    expect(report.instances.map((instance) => instance.name)).toEqual(['inbox', 'flaky', 'hooks']);
    expect(report.instances.find((instance) => instance.name === 'hooks')?.options.secret).toBe('[REDACTED]');
    expect(report.channels).toMatchObject({ sms: ['flaky'], webhook: ['hooks'], email: ['inbox', 'flaky'] });
    expect(report.instances.find((instance) => instance.name === 'flaky')?.breaker.state).toBe('closed');
    expect(await api.client.listProviders()).toEqual(report);
  });
});
