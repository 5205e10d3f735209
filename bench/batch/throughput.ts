// Batch throughput: items per second of one runner for a batch sent through a provider with a fixed
// latency, as a ratio of the ideal (concurrency / latency). Prints one JSON object.
//   tsx bench/batch/throughput.ts [--items 100000] [--concurrency 16,64] [--latency 20] [--store sqlite|postgres]
import { Readable } from 'node:stream';
import { batchRunnerFor, batchServiceFor } from '../../src/batch/role.js';
import { benchDatabase, flag, openBenchRuntime } from './harness.js';

const items = Number(flag('items', '100000'));
const latencyMs = Number(flag('latency', '20'));
const concurrencies = flag('concurrency', '16,64').split(',').map(Number);
const store = flag('store', 'sqlite') as 'sqlite' | 'postgres';

function* ndjson(count: number): Generator<string> {
  for (let i = 1; i <= count; i++) yield `{"to":"#user${i}","name":"User ${i}"}\n`;
}

async function measure(concurrency: number): Promise<Record<string, number>> {
  const database = benchDatabase(store);
  const { runtime, factory } = await openBenchRuntime(database.url, latencyMs);
  try {
    const service = batchServiceFor(runtime);
    const createdAt = performance.now();
    const { batch } = await service.create({
      template: { channel: 'chat', text: 'Hello {{ name }}' },
      recipients: { format: 'ndjson', input: Readable.from(ndjson(items)) },
      concurrency,
    });
    const createSeconds = (performance.now() - createdAt) / 1000;
    const runner = await batchRunnerFor(runtime, { batchId: batch.id, pollIntervalMs: 50 });
    const done = new Promise<void>((resolve) => runner.onEvent((event) => event.end === 'completed' && resolve()));
    const started = performance.now();
    runner.start();
    await done;
    const seconds = (performance.now() - started) / 1000;
    await runner.stop();
    const final = await service.get(batch.id);
    if (final.sent !== items || factory.sends !== items) throw new Error(`expected ${items} sent, got ${final.sent} (${factory.sends} calls)`);
    const itemsPerSecond = items / seconds;
    const ideal = concurrency / (latencyMs / 1000);
    return {
      concurrency,
      createSeconds: round(createSeconds),
      runSeconds: round(seconds),
      itemsPerSecond: round(itemsPerSecond),
      idealItemsPerSecond: ideal,
      ratio: round(itemsPerSecond / ideal, 3),
    };
  } finally {
    await runtime.close();
    await database.drop();
  }
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

const results = [];
for (const concurrency of concurrencies) results.push(await measure(concurrency));
process.stdout.write(`${JSON.stringify({ benchmark: 'batch-throughput', store, items, latencyMs, target: 0.8, results })}\n`);
