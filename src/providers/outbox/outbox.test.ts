import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { RetryableProviderError } from '../errors.js';
import { describeProviderConformance, testMessage } from '../testing/conformance.js';
import { OutboxProviderFactory } from './outbox.js';

const factory = new OutboxProviderFactory();

describeProviderConformance({
  factory,
  message: () => testMessage({ channel: 'email', to: 'a@example.com' }),
  start: async () => ({
    options: { path: join(mkdtempSync(join(tmpdir(), 'missive-outbox-')), 'out.jsonl') },
    secrets: [],
    use: () => undefined,
    close: async () => undefined,
  }),
  invalidOptions: [{ options: { path: '' }, path: 'path' }],
  scenarios: ['success'],
});

describe('outbox provider', () => {
  const clock = { now: () => Date.parse('2030-01-02T03:04:05.678Z') };

  it('writes one JSON line per message with the contract fields', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'missive-outbox-')), 'nested', 'out.jsonl');
    const provider = factory.create({ path }, { name: 'inbox', logger: silentLogger, clock });
    const signal = AbortSignal.timeout(1000);
    await provider.send(testMessage({ channel: 'sms', to: '+14155550100', content: { text: 'hi' } }), { signal });
    await provider.send(
      testMessage({ id: 'm2', channel: 'chat', to: '#ops', attempt: 2, batch: { id: 'b1', item: 7 }, idempotencyKey: 'b1:7' }),
      { signal },
    );
    await provider.close?.();
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      id: '01JTESTMESSAGE0000000000000',
      channel: 'sms',
      to: '+14155550100',
      content: { text: 'hi' },
      provider: 'inbox',
      attempt: 1,
      deliveredAt: '2030-01-02T03:04:05.678Z',
      delivery: { mode: 'immediate' },
      idempotencyKey: 'idem-key-1',
    });
    expect(lines[1]).toMatchObject({ id: 'm2', attempt: 2, batchId: 'b1', item: 7, idempotencyKey: 'b1:7' });
  });

  it('refuses to write once the attempt is aborted', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'missive-outbox-')), 'out.jsonl');
    const provider = factory.create({ path }, { name: 'inbox', logger: silentLogger, clock });
    const controller = new AbortController();
    controller.abort();
    await expect(provider.send(testMessage({ channel: 'sms', to: '+1' }), { signal: controller.signal })).rejects.toBeInstanceOf(
      RetryableProviderError,
    );
  });

  it('reports an unwritable path as a retryable error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'missive-outbox-'));
    writeFileSync(join(dir, 'a-file'), '');
    const provider = factory.create({ path: join(dir, 'a-file', 'out.jsonl') }, { name: 'inbox', logger: silentLogger, clock });
    await expect(provider.send(testMessage({ channel: 'sms', to: '+1' }), { signal: AbortSignal.timeout(1000) })).rejects.toBeInstanceOf(
      RetryableProviderError,
    );
  });
});
