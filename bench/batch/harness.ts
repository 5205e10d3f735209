// Shared set-up of the batch benchmarks: a Missive runtime on a throw-away database (SQLite file or
// PostgreSQL schema) with an in-process provider that answers after a fixed latency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { configFileSchema } from '../../src/config/schema.js';
import type { Settings } from '../../src/config/settings.js';
import { createLogger } from '../../src/core/logger.js';
import { CHANNELS } from '../../src/message/channels.js';
import { createBuiltinRegistry } from '../../src/providers/builtins.js';
import type { OutgoingMessage, Provider, ProviderFactory, SendContext, SendResult } from '../../src/providers/provider.js';
import { Runtime } from '../../src/runtime/runtime.js';

/** A provider of type `fixed-latency`: every send succeeds after `latencyMs`. */
class FixedLatencyFactory implements ProviderFactory<{ latencyMs: number }> {
  readonly type = 'fixed-latency';
  readonly channels = CHANNELS;
  readonly optionsSchema = z.strictObject({ latencyMs: z.number().nonnegative() });
  sends = 0;

  create(options: { latencyMs: number }, context: { name: string }): Provider {
    const count = (): void => void (this.sends += 1);
    return {
      name: context.name,
      type: this.type,
      channels: CHANNELS,
      send(message: OutgoingMessage, { signal }: SendContext): Promise<SendResult> {
        count();
        if (options.latencyMs === 0) return Promise.resolve({ providerMessageId: message.id });
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve({ providerMessageId: message.id }), options.latencyMs);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason);
          }, { once: true });
        });
      },
    };
  }
}

/** Where a benchmark's database lives, and how to remove it. */
export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database: a SQLite file in a temporary folder, or a new schema in `MISSIVE_BENCH_POSTGRES_URL`. */
export function benchDatabase(store: 'sqlite' | 'postgres'): BenchDatabase {
  if (store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'missive-bench-batch-'));
    return { url: `sqlite:${join(dir, 'missive.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const base = process.env.MISSIVE_BENCH_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';
  const schema = `bench_batch_${Date.now().toString(36)}`;
  return {
    url: `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`,
    drop: async () => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Opens a runtime whose only provider, `fixed`, answers after `latencyMs`. */
export async function openBenchRuntime(databaseUrl: string, latencyMs: number, batch: Record<string, number> = {}): Promise<{ runtime: Runtime; factory: FixedLatencyFactory }> {
  const file = configFileSchema.parse({ providers: { fixed: { type: 'fixed-latency', latencyMs } }, log: { level: 'warn' }, batch });
  const settings: Settings = {
    ...file,
    configPath: undefined,
    databaseUrl,
    amqpUrl: 'amqp://unused',
    amqpPrefix: 'bench',
    port: 0,
    apiKeys: [],
    pluginPaths: [],
  };
  const factory = new FixedLatencyFactory();
  const runtime = await Runtime.open(settings, { registry: createBuiltinRegistry().register(factory), logger: createLogger({ level: 'warn' }) });
  return { runtime, factory };
}

/** Reads `--name value` flags. */
export function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? (process.argv[index + 1] as string) : fallback;
}
