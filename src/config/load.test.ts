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

describe('loadSettings: limits and cross-checks', () => {
  const MAX_TIMER = 2 ** 31 - 1;

  it('caps every millisecond option at 2^31-1, naming the path', () => {
    const tooLong = MAX_TIMER + 1;
    const cwd = dirWith({
      worker: { shutdownGraceMs: tooLong },
      scheduler: { pollIntervalMs: tooLong, leaseMs: tooLong, relayAfterMs: tooLong },
      delivery: { attemptTimeoutMs: tooLong, retry: { baseMs: tooLong, capMs: tooLong }, breaker: { breakMs: tooLong, maxBreakMs: tooLong } },
      batch: { leaseMs: tooLong },
    });
    const issues = issuesOf(() => loadSettings({ cwd, env: {} }));
    expect(issues.map((i) => i.path).sort()).toEqual([
      'batch.leaseMs',
      'delivery.attemptTimeoutMs',
      'delivery.breaker.breakMs',
      'delivery.breaker.maxBreakMs',
      'delivery.retry.baseMs',
      'delivery.retry.capMs',
      'scheduler.leaseMs',
      'scheduler.pollIntervalMs',
      'scheduler.relayAfterMs',
      'worker.shutdownGraceMs',
    ]);
    expect(issues.every((i) => i.rule === 'max')).toBe(true);
    const lookAhead = issuesOf(() => loadSettings({ cwd: dirWith({ scheduler: { lookAheadMs: tooLong } }), env: {} }));
    expect(lookAhead.map((i) => i.path)).toContain('scheduler.lookAheadMs');
  });

  it('accepts the cap itself', () => {
    const cwd = dirWith({ delivery: { attemptTimeoutMs: MAX_TIMER } });
    expect(loadSettings({ cwd, env: {} }).delivery.attemptTimeoutMs).toBe(MAX_TIMER);
  });

  it('keeps the shutdown grace below the cap by the margin shutdown adds to it', () => {
    const margin = 15_000;
    expect(loadSettings({ cwd: dirWith({ worker: { shutdownGraceMs: MAX_TIMER - margin } }), env: {} }).worker.shutdownGraceMs).toBe(MAX_TIMER - margin);
    const issues = issuesOf(() => loadSettings({ cwd: dirWith({ worker: { shutdownGraceMs: MAX_TIMER - margin + 1 } }), env: {} }));
    expect(issues.map((i) => i.path)).toEqual(['worker.shutdownGraceMs']);
  });

  it('requires the look-ahead to be shorter than the lease, naming scheduler.lookAheadMs', () => {
    const issues = issuesOf(() => loadSettings({ cwd: dirWith({ scheduler: { lookAheadMs: 6_000, leaseMs: 6_000 } }), env: {} }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'scheduler.lookAheadMs', rule: 'below_lease' });
    expect(issues[0]?.message).toContain('scheduler.leaseMs');
  });

  it('requires the relay deadline to be longer than the look-ahead, naming scheduler.relayAfterMs', () => {
    const issues = issuesOf(() => loadSettings({ cwd: dirWith({ scheduler: { relayAfterMs: 1_000 } }), env: {} }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'scheduler.relayAfterMs', rule: 'above_look_ahead' });
    expect(issues[0]?.message).toContain('scheduler.lookAheadMs');
    expect(loadSettings({ cwd: dirWith({ scheduler: { relayAfterMs: 1_000, lookAheadMs: 500 } }), env: {} }).scheduler.relayAfterMs).toBe(1_000);
  });
});

describe('loadSettings: the environment', () => {
  const empty = () => mkdtempSync(join(tmpdir(), 'missive-empty-'));
  const envIssues = (env: Record<string, string>) => issuesOf(() => loadSettings({ cwd: empty(), env }));

  it.each([
    ['amqp://u:secretpw@[bad', 'not a valid URL'],
    ['amqp://u:secretpw@127.0.0.1:notaport', 'not a valid URL'],
    ['amqp://', 'host'],
    ['amqp://u:secretpw@:5672', 'not a valid URL'],
    ['amqps://u:secretpw@h:99999', 'not a valid URL'],
    ['amqp://u:secretpw@h:0', 'port'],
    ['http://u:secretpw@h', 'amqp:// or amqps://'],
  ])('refuses MISSIVE_AMQP_URL=%s without printing the password', (url, says) => {
    const issues = envIssues({ MISSIVE_AMQP_URL: url });
    expect(issues.map((i) => i.path)).toEqual(['MISSIVE_AMQP_URL']);
    expect(issues[0]?.message).toContain(says);
    expect(JSON.stringify(issues)).not.toContain('secretpw');
  });

  it.each(['amqp://guest:guest@127.0.0.1:5672', 'amqps://user:p%40ss@rabbit.example.com/vhost', 'amqp://localhost', 'amqp://[::1]:5672'])(
    'accepts MISSIVE_AMQP_URL=%s',
    (url) => {
      expect(loadSettings({ cwd: empty(), env: { MISSIVE_AMQP_URL: url } }).amqpUrl).toBe(url);
    },
  );

  it.each([',', ' ', ' , ,', ''])('refuses MISSIVE_API_KEYS=%j that yields no key (the API would be open)', (keys) => {
    const issues = envIssues({ MISSIVE_API_KEYS: keys });
    expect(issues.map((i) => i.path)).toEqual(['MISSIVE_API_KEYS']);
    expect(issues[0]?.rule).toBe('empty');
  });

  it('leaves the API open only when MISSIVE_API_KEYS is unset', () => {
    expect(loadSettings({ cwd: empty(), env: {} }).apiKeys).toEqual([]);
  });

  it('checks MISSIVE_LOG_LEVEL, naming the variable', () => {
    const issues = envIssues({ MISSIVE_LOG_LEVEL: 'loud' });
    expect(issues.map((i) => i.path)).toEqual(['MISSIVE_LOG_LEVEL']);
    expect(issues[0]?.message).toContain('debug');
    const cwd = dirWith({ log: { level: 'error' } });
    expect(loadSettings({ cwd, env: { MISSIVE_LOG_LEVEL: ' debug ' } }).log.level).toBe('debug');
    expect(loadSettings({ cwd, env: { MISSIVE_LOG_LEVEL: '' } }).log.level).toBe('error');
  });
});
