import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { loadSettings } from './load.js';

function dirWith(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'missive-config-'));
  writeFileSync(join(dir, 'missive.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadSettings', () => {
  it('runs with no file and no environment, on the documented defaults', () => {
    const settings = loadSettings({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'missive-empty-')) });
    expect(settings).toMatchObject({
      configPath: undefined,
      databaseUrl: 'sqlite:./.missive/missive.db',
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      amqpPrefix: 'missive',
      port: 3000,
      apiKeys: [],
      providers: { outbox: { type: 'outbox', path: './.missive/outbox.jsonl' } },
      worker: { prefetch: 100 },
      delivery: { retry: { maxAttempts: 5, baseMs: 1000, capMs: 300_000 } },
    });
  });

  it('reads ./missive.config.json and the environment', () => {
    const cwd = dirWith({ providers: { a: { type: 'log' } }, channels: { sms: { providers: ['a'] } }, plugins: ['./p.mjs'] });
    const settings = loadSettings({
      cwd,
      env: { PORT: '8080', MISSIVE_API_KEYS: ' k1, k2 ,', MISSIVE_AMQP_PREFIX: 'acme', MISSIVE_DATABASE_URL: 'postgres://h/db' },
    });
    expect(settings.configPath).toBe(join(cwd, 'missive.config.json'));
    expect(settings.port).toBe(8080);
    expect(settings.apiKeys).toEqual(['k1', 'k2']);
    expect(settings.amqpPrefix).toBe('acme');
    expect(settings.channels).toEqual({ sms: { providers: ['a'] } });
    expect(settings.pluginPaths).toEqual([`file://${join(cwd, 'p.mjs')}`]);
  });

  it('names the exact path of unknown keys and bad values', () => {
    const cwd = dirWith({ providers: { a: { type: 'log' } }, worker: { prefetch: 0, colour: 1 }, bogus: true });
    const issues = issuesOf(() => loadSettings({ cwd, env: {} }));
    expect(issues.map((i) => i.path).sort()).toEqual(['bogus', 'worker.colour', 'worker.prefetch']);
  });

  it('checks at load that the longest break is no shorter than the first, naming the path', () => {
    const issues = issuesOf(() => loadSettings({ cwd: dirWith({ delivery: { breaker: { breakMs: 60_000, maxBreakMs: 30_000 } } }), env: {} }));
    expect(issues).toEqual([{ path: 'delivery.breaker.maxBreakMs', rule: 'range', message: 'delivery.breaker.maxBreakMs: must be at least breakMs' }]);
    const defaults = issuesOf(() => loadSettings({ cwd: dirWith({ delivery: { breaker: { breakMs: 400_000 } } }), env: {} }));
    expect(defaults.map((issue) => issue.path)).toEqual(['delivery.breaker.maxBreakMs']);
    const settings = loadSettings({ cwd: dirWith({ delivery: { breaker: { breakMs: 30_000, maxBreakMs: 30_000 } } }), env: {} });
    expect(settings.delivery.breaker).toMatchObject({ breakMs: 30_000, maxBreakMs: 30_000 });
  });

  it('keeps the derived breaker settings out of the file', () => {
    const issues = issuesOf(() => loadSettings({ cwd: dirWith({ delivery: { breaker: { probeTimeoutMs: 1, breakMultiplier: 3 } } }), env: {} }));
    expect(issues.map((issue) => issue.path).sort()).toEqual(['delivery.breaker.breakMultiplier', 'delivery.breaker.probeTimeoutMs']);
  });

  it('requires a provider type and at least one provider', () => {
    expect(issuesOf(() => loadSettings({ cwd: dirWith({ providers: { a: {} } }), env: {} }))[0]?.path).toBe('providers.a.type');
    expect(issuesOf(() => loadSettings({ cwd: dirWith({ providers: {} }), env: {} }))[0]?.path).toBe('providers');
  });

  it('reports a file that is not JSON, and a missing explicit file', () => {
    expect(issuesOf(() => loadSettings({ cwd: dirWith('{ nope'), env: {} }))[0]?.rule).toBe('json');
    expect(issuesOf(() => loadSettings({ configPath: '/nowhere/x.json', env: {} }))[0]?.message).toContain('/nowhere/x.json');
  });

  it('checks the environment, naming each variable', () => {
    const issues = issuesOf(() =>
      loadSettings({
        cwd: mkdtempSync(join(tmpdir(), 'missive-empty-')),
        env: { PORT: 'eighty', MISSIVE_AMQP_URL: 'http://x', MISSIVE_AMQP_PREFIX: 'a b', MISSIVE_DATABASE_URL: 'mysql://x' },
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['MISSIVE_AMQP_PREFIX', 'MISSIVE_AMQP_URL', 'MISSIVE_DATABASE_URL', 'PORT']);
  });
});
