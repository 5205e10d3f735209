// Batch memory: peak RSS of the process that creates a batch from a recipients file on disk and
// runs it, sampling process.memoryUsage.rss(). Prints one JSON object.
//   tsx bench/batch/memory.ts [--items 1000000] [--concurrency 64] [--latency 0] [--store sqlite|postgres]
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchRunnerFor, batchServiceFor } from '../../src/batch/role.js';
import { benchDatabase, flag, openBenchRuntime } from './harness.js';

const items = Number(flag('items', '1000000'));
const concurrency = Number(flag('concurrency', '64'));
const latencyMs = Number(flag('latency', '0'));
const store = flag('store', 'sqlite') as 'sqlite' | 'postgres';
const MB = 1024 * 1024;

/** Writes a CSV of `count` email recipients with two columns, honouring back-pressure. */
async function writeRecipients(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('to,name,plan\n');
  for (let i = 1; i <= count; i++) {
    if (!out.write(`user${i}@example.com,User number ${i},${i % 3 === 0 ? 'pro' : 'free'}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const dir = mkdtempSync(join(tmpdir(), 'missive-bench-recipients-'));
const file = join(dir, 'recipients.csv');
await writeRecipients(file, items);
const database = benchDatabase(store);
const { runtime } = await openBenchRuntime(database.url, latencyMs);

let peak = process.memoryUsage.rss();
const baseline = peak;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 25);
try {
  const service = batchServiceFor(runtime);
  const createdAt = performance.now();
  const { batch } = await service.create({
    template: { channel: 'email', subject: 'Hello {{ name }}', html: '<p>Dear {{ name }}, your plan is <b>{{ plan }}</b>.</p>' },
    recipients: { format: 'csv', input: createReadStream(file) },
    concurrency,
  });
  const createSeconds = (performance.now() - createdAt) / 1000;
  const peakCreate = peak;

  const runner = await batchRunnerFor(runtime, { batchId: batch.id, pollIntervalMs: 50 });
  const done = new Promise<void>((resolve) => runner.onEvent((event) => event.end === 'completed' && resolve()));
  const startedAt = performance.now();
  runner.start();
  await done;
  const runSeconds = (performance.now() - startedAt) / 1000;
  await runner.stop();
  const final = await service.get(batch.id);
  if (final.sent !== items) throw new Error(`expected ${items} sent, got ${final.sent}`);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'batch-memory',
      store,
      items,
      fileMB: Math.round(statSync(file).size / MB),
      concurrency,
      latencyMs,
      createSeconds: Number(createSeconds.toFixed(1)),
      runSeconds: Number(runSeconds.toFixed(1)),
      itemsPerSecondRun: Math.round(items / runSeconds),
      baselineRssMB: Math.round(baseline / MB),
      peakRssCreateMB: Math.round(peakCreate / MB),
      peakRssMB: Math.round(peak / MB),
      targetMB: 300,
    })}\n`,
  );
} finally {
  clearInterval(sampler);
  await runtime.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
}
