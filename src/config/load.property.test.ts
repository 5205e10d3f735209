import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { LOG_LEVELS } from '../core/logger.js';
import { loadSettings } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'missive-config-fuzz-'));
const path = join(dir, 'missive.config.json');

/** Durations around the edges: 0, the Node.js timer cap and beyond, and anything. */
const duration = fc.oneof(fc.integer({ min: -1, max: 100_000 }), fc.constantFrom(MAX_TIMER_MS, MAX_TIMER_MS + 1, 2 ** 53), fc.jsonValue());

/** A password that the generated garbage around it cannot contain by chance. */
const PASSWORD = 'Pw7hq2Zk9xLm';

/** AMQP URLs, mostly almost right: a password, then a host and port that may be garbage. */
const amqpUrl = fc.oneof(
  fc.string(),
  fc.tuple(fc.constantFrom('amqp', 'amqps', 'http', ''), fc.oneof(fc.string(), fc.domain(), fc.constantFrom('[bad', '', '127.0.0.1', '[::1]')), fc.oneof(fc.string(), fc.integer({ min: -1, max: 100_000 }).map(String)))
    .map(([scheme, host, port]) => `${scheme}://guest:${PASSWORD}@${host}:${port}`),
);

/** Config files that are roughly the right shape, with anything where values go. */
const configLike = fc.record(
  {
    providers: fc.oneof(fc.dictionary(fc.string(), fc.record({ type: fc.oneof(fc.constantFrom('outbox', 'log'), fc.jsonValue()) }, { requiredKeys: [] })), fc.jsonValue()),
    channels: fc.oneof(fc.dictionary(fc.constantFrom('email', 'sms', 'fax'), fc.record({ providers: fc.array(fc.string()) })), fc.jsonValue()),
    plugins: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
    worker: fc.oneof(fc.record({ prefetch: fc.oneof(fc.integer(), fc.jsonValue()) }, { requiredKeys: [] }), fc.jsonValue()),
    scheduler: fc.oneof(fc.record({ lookAheadMs: duration, leaseMs: duration, relayAfterMs: duration, pollIntervalMs: duration }, { requiredKeys: [] }), fc.jsonValue()),
    delivery: fc.oneof(fc.record({ attemptTimeoutMs: duration }, { requiredKeys: [] }), fc.jsonValue()),
    log: fc.jsonValue(),
    bogus: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('loadSettings with generated config files and environments', () => {
  it('returns settings or throws one ConfigError naming paths, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(configLike.map((c) => JSON.stringify(c)), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))),
        fc.record(
          {
            PORT: fc.string(),
            MISSIVE_AMQP_PREFIX: fc.string(),
            MISSIVE_DATABASE_URL: fc.string(),
            MISSIVE_API_KEYS: fc.oneof(fc.string(), fc.constantFrom('', ',', ' , ', 'k1,k2')),
            MISSIVE_AMQP_URL: amqpUrl,
            MISSIVE_LOG_LEVEL: fc.oneof(fc.string(), fc.constantFrom(...LOG_LEVELS, 'loud', '')),
          },
          { requiredKeys: [] },
        ),
        (text, env) => {
          writeFileSync(path, text);
          try {
            const settings = loadSettings({ configPath: path, env });
            expect(Object.keys(settings.providers).length).toBeGreaterThan(0);
            const { scheduler, delivery } = settings;
            for (const ms of [scheduler.lookAheadMs, scheduler.leaseMs, scheduler.relayAfterMs, delivery.attemptTimeoutMs]) expect(ms).toBeLessThanOrEqual(MAX_TIMER_MS);
            expect(scheduler.lookAheadMs).toBeLessThan(scheduler.leaseMs);
            expect(scheduler.relayAfterMs).toBeGreaterThan(scheduler.lookAheadMs);
            if (env.MISSIVE_API_KEYS !== undefined) expect(settings.apiKeys.length).toBeGreaterThan(0);
            expect(new URL(settings.amqpUrl).hostname).not.toBe('');
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            for (const issue of (error as ConfigError).issues) {
              expect(issue.path.length).toBeGreaterThan(0);
              expect(typeof issue.message).toBe('string');
            }
            expect((error as Error).message).not.toContain(PASSWORD);
          }
        },
      ),
      { numRuns: 1_500 },
    );
  });
});
