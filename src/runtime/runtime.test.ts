import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { BrokerUnavailableError } from '../broker/errors.js';
import { loadSettings } from '../config/load.js';
import type { Settings } from '../config/settings.js';
import { ConfigError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { createBuiltinRegistry } from '../providers/builtins.js';
import { CredentialFactory } from '../providers/testing/fake-factory.js';
import { DatabaseMissingError } from '../store/errors.js';
import { Runtime } from './runtime.js';

/** Settings from a config file, on a SQLite file that does not exist yet (in a folder that does not either). */
function settingsWith(config: unknown, env: Record<string, string> = {}): { settings: Settings; databasePath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'missive-runtime-'));
  writeFileSync(join(dir, 'missive.config.json'), JSON.stringify(config));
  const databasePath = join(dir, 'data', 'missive.db');
  return { settings: loadSettings({ cwd: dir, env: { MISSIVE_DATABASE_URL: `sqlite:${databasePath}`, ...env } }), databasePath };
}

const registry = () => createBuiltinRegistry().register(new CredentialFactory());

describe('Runtime.open', () => {
  it('refuses a bad provider configuration before touching the database', async () => {
    const { settings, databasePath } = settingsWith({ providers: { mail: { type: 'sendgird' } } });
    const error = await Runtime.open(settings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['providers.mail.type']);
    expect(existsSync(databasePath)).toBe(false);
  });

  it('knows every provider secret for its logger to scrub: declared by plugins, webhook headers, URL passwords', async () => {
    const { settings } = settingsWith(
      {
        providers: {
          texts: { type: 'credentialed', credential: 'plugin-cred-456' },
          hooks: { type: 'webhook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers: { Authorization: 'Bearer hdr-secret-123' } },
        },
      },
      { MISSIVE_API_KEYS: 'api-key-789', MISSIVE_AMQP_URL: 'amqp://guest:amqp-pass-321@127.0.0.1:5672' },
    );
    const runtime = await Runtime.open(settings, { registry: registry() });
    try {
      expect(runtime.secrets.values).toEqual(
        expect.arrayContaining(['plugin-cred-456', 'Bearer hdr-secret-123', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'api-key-789', 'amqp-pass-321']),
      );
    } finally {
      await runtime.close();
    }
  });

  it('with createStore false, fails on a missing SQLite file and creates nothing', async () => {
    const { settings, databasePath } = settingsWith({});
    const error = await Runtime.open(settings, { createStore: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseMissingError);
    expect((error as Error).message).toBe(`no database at ${databasePath}; start Missive or run missive migrate first (check MISSIVE_DATABASE_URL)`);
    expect(existsSync(join(databasePath, '..'))).toBe(false);

    const created = await Runtime.open(settings);
    await created.close();
    expect(existsSync(databasePath)).toBe(true);
    const reopened = await Runtime.open(settings, { createStore: false });
    await reopened.close();
  });
});

describe('Runtime.close', () => {
  it('does not report again a part that failed to open', async () => {
    const { settings } = settingsWith({});
    let logged = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    // RabbitMQ is not listening on port 1: a consuming role's connection fails once the start-up
    // wait (driven here by fake timers) runs out.
    const runtime = await Runtime.open({ ...settings, amqpUrl: 'amqp://u:p@127.0.0.1:1' }, { logger: createLogger({ level: 'debug', destination }) });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const connecting = runtime.connectedBroker().catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(15_000);
      expect(await connecting).toBeInstanceOf(BrokerUnavailableError);
    } finally {
      vi.useRealTimers();
    }
    await runtime.close();
    expect(logged).not.toContain('error while closing');
  });
});
