// HTTP acceptance: messages accepted per second through POST /v1/messages (immediate), driven by a
// load generator in another process (autocannon), against the producer called in-process in the
// same run, as a ratio (issue 7's target: at least 0.6). Prints one JSON object.
//   tsx bench/http/acceptance.ts [--seconds 5] [--connections 64] [--store sqlite|postgres]
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { configFileSchema } from '../../src/config/schema.js';
import type { Settings } from '../../src/config/settings.js';
import { createLogger } from '../../src/core/logger.js';
import { CHANNELS } from '../../src/message/channels.js';
import { startRoles } from '../../src/runtime/roles.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { benchDatabase, flag } from '../batch/harness.js';

const run = promisify(execFile);
const seconds = Number(flag('seconds', '5'));
const connections = Number(flag('connections', '64'));
const store = flag('store', 'sqlite') as 'sqlite' | 'postgres';
const amqpUrl = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const AUTOCANNON = resolve(import.meta.dirname, '..', 'node_modules', 'autocannon', 'autocannon.js');
const message = { channel: 'chat', to: '#bench', text: 'x'.repeat(250) };
/**
 * The load generator: wrk (a C program, light on a small machine's cores) when installed, else
 * autocannon (npm, always there), which takes much of a core from the server it measures.
 */
const generator = flag('generator', hasWrk() ? 'wrk' : 'autocannon') as 'autocannon' | 'wrk';

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version; only a missing binary throws ENOENT.
    return (error as { code?: string }).code !== 'ENOENT';
  }
}

/** Sends from this process, `connections` at a time, for `seconds`: the ceiling for the API. */
async function inProcess(runtime: Runtime): Promise<number> {
  const producer = await runtime.producer();
  const until = performance.now() + seconds * 1000;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        await producer.send(message);
        accepted++;
      }
    }),
  );
  return accepted / seconds;
}

/** The same through HTTP, from wrk in its own process. */
async function overHttpWithWrk(url: string): Promise<number> {
  const script = join(mkdtempSync(join(tmpdir(), 'missive-wrk-')), 'post.lua');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify(message))}\nwrk.headers["Content-Type"] = "application/json"\n`);
  const { stdout } = await run('wrk', ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '-s', script, `${url}/v1/messages`]);
  if (/Non-2xx/.test(stdout)) throw new Error(`requests were refused:\n${stdout}`);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
  if (rate === undefined) throw new Error(`cannot read wrk's output:\n${stdout}`);
  return Number(rate);
}

/** The same through HTTP, from autocannon in its own process. */
async function overHttp(url: string): Promise<number> {
  if (generator === 'wrk') return overHttpWithWrk(url);
  const { stdout } = await run(
    process.execPath,
    [AUTOCANNON, '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', JSON.stringify(message), '--json', `${url}/v1/messages`],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const report = JSON.parse(stdout) as { '2xx': number; non2xx: number; duration: number };
  if (report.non2xx > 0) throw new Error(`${report.non2xx} requests were refused`);
  return report['2xx'] / report.duration;
}

/** Empties the chat queue (nothing consumes it here). */
async function purge(): Promise<void> {
  const connection = await amqplib.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    await channel.purgeQueue(`${prefix}.chat`);
  } finally {
    await connection.close();
  }
}

const database = benchDatabase(store);
const prefix = `bench-http-${Date.now().toString(36)}`;
const file = configFileSchema.parse({ log: { level: 'silent' } });
const settings: Settings = { ...file, configPath: undefined, databaseUrl: database.url, amqpUrl, amqpPrefix: prefix, port: 0, apiKeys: [], pluginPaths: [] };
const runtime = await Runtime.open(settings, { logger: createLogger({ level: 'silent' }) });
try {
  const roles = await startRoles(runtime, ['http']);
  const url = roles.urls.api;
  if (!url) throw new Error('the API did not start');
  await inProcess(runtime); // warm-up: connections, JIT
  // A B B A, with the queue emptied before each phase, so neither side inherits a longer queue
  // or a warmer machine than the other.
  const rates = { producer: [] as number[], http: [] as number[] };
  for (const side of ['producer', 'http', 'http', 'producer'] as const) {
    await purge();
    rates[side].push(side === 'producer' ? await inProcess(runtime) : await overHttp(url));
  }
  const producerRate = (rates.producer[0]! + rates.producer[1]!) / 2;
  const httpRate = (rates.http[0]! + rates.http[1]!) / 2;
  await roles.stop();
  process.stdout.write(
    `${JSON.stringify({ benchmark: 'http-acceptance', store, generator, seconds, connections, target: 0.6, inProcessPerSecond: Math.round(producerRate), httpPerSecond: Math.round(httpRate), ratio: Number((httpRate / producerRate).toFixed(3)) })}\n`,
  );
} finally {
  await runtime.close();
  await database.drop();
  const connection = await amqplib.connect(amqpUrl);
  const channel = await connection.createChannel();
  for (const name of [...CHANNELS, 'dead-letter']) await channel.deleteQueue(`${prefix}.${name}`);
  await channel.deleteExchange(`${prefix}.dispatch`);
  await channel.deleteExchange(`${prefix}.dead-letter`);
  await connection.close();
}
