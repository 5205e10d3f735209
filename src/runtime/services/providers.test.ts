import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../config/load.js';
import { createLogger } from '../../core/logger.js';
import { RetryableProviderError } from '../../providers/errors.js';
import { Runtime } from '../runtime.js';
import { providersReport } from './providers.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');

async function openRuntime(config: unknown): Promise<Runtime> {
  const dir = mkdtempSync(join(tmpdir(), 'missive-providers-report-'));
  writeFileSync(join(dir, 'missive.config.json'), JSON.stringify(config));
  const settings = loadSettings({ cwd: dir, env: { MISSIVE_DATABASE_URL: `sqlite:${join(dir, 'missive.db')}` } });
  return Runtime.open(settings, { clock: { now: () => T0 }, logger: createLogger({ level: 'silent' }) });
}

describe('providersReport', () => {
  it('lists every registered type, redacted instances, and a circuit with its next probe as ISO 8601', async () => {
    const runtime = await openRuntime({
      providers: { hooks: { type: 'webhook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers: { Authorization: 'Bearer hdr-secret-123' } } },
      delivery: { breaker: { windowSize: 2, minimumCalls: 1, breakMs: 30_000 } },
    });
    try {
      const permit = runtime.breakers().acquire('hooks');
      if (!permit.permitted) throw new Error('the circuit should start closed');
      permit.failure(new RetryableProviderError('down'));
      // The report reads the circuit as the fleet shares it, which may trail this process's board.
      await expect.poll(async () => (await providersReport(runtime)).instances[0]?.breaker.state).toBe('open');
      const report = await providersReport(runtime);
      expect(report.types.map((type) => type.type)).toEqual(['outbox', 'log', 'smtp', 'sendgrid', 'mailgun', 'ses', 'twilio', 'vonage', 'webhook', 'slack', 'discord']);
      expect(report.types.find((type) => type.type === 'discord')).toMatchObject({ channels: ['chat'] });
      expect(report.instances).toEqual([
        {
          name: 'hooks',
          type: 'webhook',
          channels: ['webhook'],
          options: { secret: '[REDACTED]', headers: { Authorization: '[REDACTED]' } },
          breaker: { state: 'open', nextProbeAt: '2030-01-01T00:00:30.000Z' },
        },
      ]);
      expect(JSON.stringify(report)).not.toContain('hdr-secret-123');
    } finally {
      await runtime.close();
    }
  });
});
