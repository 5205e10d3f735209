import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import { RetryableProviderError } from '../errors.js';
import { describeProviderConformance, testMessage } from '../testing/conformance.js';
import { LogProviderFactory } from './log.js';

const factory = new LogProviderFactory();

describeProviderConformance({
  factory,
  message: () => testMessage({ channel: 'chat', to: '#ops', content: { text: 'hi' } }),
  start: async () => ({ options: {}, secrets: [], use: () => undefined, close: async () => undefined }),
  invalidOptions: [{ options: { level: 'loud' }, path: 'level' }],
  // Nothing remote: it cannot refuse credentials, be rate limited or hang.
  scenarios: ['success'],
});

/** A logger whose JSON lines are kept. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('log provider', () => {
  it('writes the message to the log, long fields cut short, and returns an id per attempt', async () => {
    const { logger, lines } = capturingLogger();
    const provider = factory.create({}, { name: 'logs', logger: logger.child({ provider: 'logs' }), clock: systemClock });
    const message = testMessage({ channel: 'email', to: 'a@example.com', attempt: 2, content: { subject: 'Hi', text: 'x'.repeat(500), html: '<p>hi</p>' } });
    const result = await provider.send(message, { signal: AbortSignal.timeout(1000) });
    expect(result.providerMessageId).toBe(`log-${message.id}-2`);
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]).toMatchObject({ provider: 'logs', messageId: message.id, channel: 'email', to: 'a@example.com', attempt: 2, subject: 'Hi', html: '<p>hi</p>' });
    expect(String(lines[0]?.text)).toHaveLength(200);
    expect(lines[0]?.msg).toBe('message delivered to the log');
  });

  it('shows webhook data as JSON', async () => {
    const { logger, lines } = capturingLogger();
    const provider = factory.create({}, { name: 'logs', logger, clock: systemClock });
    await provider.send(testMessage({ channel: 'webhook', to: 'https://h.example/x', content: { data: { a: [1, 2] } } }), { signal: AbortSignal.timeout(1000) });
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]?.data).toBe('{"a":[1,2]}');
  });

  it('refuses an attempt already aborted, as retryable, and logs nothing', async () => {
    const { logger, lines } = capturingLogger();
    const provider = factory.create({}, { name: 'logs', logger, clock: systemClock });
    const controller = new AbortController();
    controller.abort();
    await expect(provider.send(testMessage({ channel: 'sms', to: '+1' }), { signal: controller.signal })).rejects.toBeInstanceOf(RetryableProviderError);
    expect(lines).toEqual([]);
  });
});
