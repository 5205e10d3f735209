import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { MissiveClient } from '../../src/client/index.js';
import { readOutbox } from '../support/missive.js';
import { type MissiveProcess, runMissive, spawnMissive, writeConfig } from '../support/process.js';
import { type BatchHarness, chatCsv, chatTemplate, openBatchHarness, waitForBatch } from './support.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('missive batch runner', () => {
  let harness: BatchHarness | undefined;
  let runner: MissiveProcess | undefined;

  afterEach(async () => {
    runner?.kill('SIGKILL');
    await harness?.destroy();
    harness = undefined;
    runner = undefined;
  });

  it('is listed in --help', async () => {
    const top = await runMissive(['--help'], {});
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/batch .*runner/);
    const help = await runMissive(['batch', '--help'], {});
    expect(help.stdout).toMatch(/^\s+runner\s+.*batch runner/m);
  });

  it('runs the batch runner role alone: picks up a batch, completes it, serves the probes, stops on SIGTERM', async () => {
    const outbox = join(mkdtempSync(join(tmpdir(), 'missive-runner-')), 'outbox.jsonl');
    const config = { providers: { inbox: { type: 'outbox', path: outbox } } };
    harness = await openBatchHarness('postgres', { config });
    const port = await freePort();
    // No RabbitMQ anywhere near: a batch runner does not need one.
    runner = spawnMissive(['batch', 'runner'], {
      MISSIVE_CONFIG: writeConfig(config),
      MISSIVE_DATABASE_URL: harness.database.url,
      MISSIVE_AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
      PORT: String(port),
    });
    const ops = new MissiveClient({ baseUrl: `http://127.0.0.1:${port}` });
    await expect.poll(() => ops.health().then((h) => h.status, () => 'down'), { timeout: 20_000 }).toBe('ok');

    const { batch } = await harness.service.create({ template: chatTemplate, recipients: { format: 'csv', input: Readable.from([chatCsv(25)]) } });
    const done = await waitForBatch(harness.service, batch.id, (view) => view.status === 'completed', 20_000);
    expect(done).toMatchObject({ total: 25, sent: 25, failed: 0 });
    expect(readOutbox(outbox).filter((line) => line.batchId === batch.id)).toHaveLength(25);

    expect(await ops.ready()).toEqual({ ready: true, checks: { store: 'up' } });
    const metrics = await ops.metrics();
    expect(metrics).toContain('missive_batch_items{status="sent"} 25');
    expect(metrics).toContain('missive_batch_items_total{channel="chat",provider="inbox",outcome="sent"} 25');
    expect(metrics).toContain('missive_batch_item_latency_seconds_count{channel="chat",provider="inbox"} 25');
    // No role of this process uses RabbitMQ: no queue depths, read by connecting to it.
    expect(metrics).not.toContain('missive_queue_depth{');
    expect(metrics).toContain('missive_breaker_state{provider="inbox"} 0');
    expect((await fetch(`http://127.0.0.1:${port}/v1/providers`)).status).toBe(404);

    runner.kill('SIGTERM');
    expect(await runner.exited).toBe(0);
    expect(runner.output()).toContain('"roles":["batch"]');
    expect(runner.output()).toContain('stopped');
  });
});
