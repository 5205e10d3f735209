import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { loadSettings } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'missive-config-fuzz-'));
const path = join(dir, 'missive.config.json');

/** Config files that are roughly the right shape, with anything where values go. */
const configLike = fc.record(
  {
    providers: fc.oneof(fc.dictionary(fc.string(), fc.record({ type: fc.oneof(fc.constantFrom('outbox', 'log'), fc.jsonValue()) }, { requiredKeys: [] })), fc.jsonValue()),
    channels: fc.oneof(fc.dictionary(fc.constantFrom('email', 'sms', 'fax'), fc.record({ providers: fc.array(fc.string()) })), fc.jsonValue()),
    plugins: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
    worker: fc.oneof(fc.record({ prefetch: fc.oneof(fc.integer(), fc.jsonValue()) }, { requiredKeys: [] }), fc.jsonValue()),
    scheduler: fc.jsonValue(),
    delivery: fc.jsonValue(),
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
        fc.record({ PORT: fc.string(), MISSIVE_AMQP_PREFIX: fc.string(), MISSIVE_DATABASE_URL: fc.string(), MISSIVE_API_KEYS: fc.string() }, { requiredKeys: [] }),
        (text, env) => {
          writeFileSync(path, text);
          try {
            const settings = loadSettings({ configPath: path, env });
            expect(Object.keys(settings.providers).length).toBeGreaterThan(0);
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
            for (const issue of (error as ConfigError).issues) {
              expect(issue.path.length).toBeGreaterThan(0);
              expect(typeof issue.message).toBe('string');
            }
          }
        },
      ),
      { numRuns: 1_500 },
    );
  });
});
