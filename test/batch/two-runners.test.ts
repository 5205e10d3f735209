import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { StandInServer } from '../../src/providers/testing/stand-in.js';
import { type MissiveProcess, spawnMissive, writeConfig } from '../support/process.js';
import { type BatchHarness, openBatchHarness } from './support.js';

/** The real `missive` command, quiet but for warnings. */
const spawnBatchCli = (args: readonly string[], env: Record<string, string>): MissiveProcess =>
  spawnMissive(args, { MISSIVE_LOG_LEVEL: 'warn', ...env });

const ITEMS = 300;

describe('two runner processes on PostgreSQL', () => {
  const children: MissiveProcess[] = [];
  let harness: BatchHarness | undefined;
  let stand: StandInServer | undefined;

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await harness?.destroy();
    await stand?.close();
  });

  it('share one batch, and no item is sent twice', async () => {
    stand = await StandInServer.start(async () => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      return { status: 200, body: {} };
    });
    const config = (runner: string) => ({
      providers: { hooks: { type: 'webhook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', allowPrivateNetworks: true, headers: { 'x-runner': runner } } },
      batch: { chunkSize: 10 },
      log: { level: 'warn' },
    });
    harness = await openBatchHarness('postgres', { config: config('setup') });
    const rows = ['to,n', ...Array.from({ length: ITEMS }, (_, i) => `${stand?.url}/hook,${i + 1}`)].join('\n');
    // Scheduled a few seconds ahead, so both runners are up when it starts.
    const { batch } = await harness.service.create({
      template: { channel: 'webhook', data: { n: '{{ n }}' } },
      concurrency: 4,
      startAt: Date.now() + 4_000,
      recipients: { format: 'csv', input: Readable.from([rows]) },
    });
    for (const runner of ['a', 'b']) {
      children.push(spawnBatchCli(['batch', 'run', batch.id], { MISSIVE_CONFIG: writeConfig(config(runner)), MISSIVE_DATABASE_URL: harness.database.url }));
    }
    const codes = await Promise.all(children.map((child) => child.exited));
    expect(codes, children.map((child) => child.output()).join('\n')).toEqual([0, 0]);

    expect(await harness.service.get(batch.id)).toMatchObject({ status: 'completed', sent: ITEMS, failed: 0 });
    const keys = stand.requests.map((request) => String(request.headers['webhook-id']));
    expect(keys).toHaveLength(ITEMS);
    expect(new Set(keys).size).toBe(ITEMS);
    const byRunner = new Map<string, number>();
    for (const request of stand.requests) byRunner.set(String(request.headers['x-runner']), (byRunner.get(String(request.headers['x-runner'])) ?? 0) + 1);
    expect(byRunner.get('a')).toBeGreaterThan(0);
    expect(byRunner.get('b')).toBeGreaterThan(0);
  });
});
