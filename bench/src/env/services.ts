import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ServiceFacts, ServiceName, ServiceUrls } from '../systems/system.js';
import { withTimeout } from '../util/time.js';

/** Longest any one service probe may take. */
const PROBE_TIMEOUT_MS = 5_000;
/** The database the bench uses, created when it can be. */
const BENCH_DATABASE = 'bench';

/** What the probe learned about one service. */
export interface ServiceStatus {
  readonly reachable: boolean;
  /** Server version as the running service reports it. */
  readonly version: string | null;
  /** Durability-relevant settings, as `name=value` text. */
  readonly settings: string | null;
  readonly error: string | null;
}

/** Everything the bench learned about the services before the runs. */
export interface ServiceReport {
  readonly urls: ServiceUrls;
  readonly status: Readonly<Record<ServiceName, ServiceStatus>>;
  readonly facts: ServiceFacts;
  /** Caveats for the report, e.g. Redis running without persistence. */
  readonly caveats: readonly string[];
}

function failed(error: unknown): ServiceStatus {
  return {
    reachable: false,
    version: null,
    settings: null,
    error: error instanceof Error ? error.message : String(error),
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Finds a PostgreSQL login that works (BENCH_PG_URL, else the users `postgres` then `root` on
 * 127.0.0.1), creates the `bench` database if it can, and falls back to `test` if it cannot.
 */
async function probePostgres(): Promise<{ url: string; status: ServiceStatus; durability: string | null }> {
  const candidates = process.env.BENCH_PG_URL
    ? [process.env.BENCH_PG_URL]
    : ['postgres://postgres@127.0.0.1:5432/postgres', 'postgres://root@127.0.0.1:5432/postgres'];
  let lastError: unknown = new Error('no PostgreSQL candidate');
  for (const candidate of candidates) {
    const client = new pg.Client({ connectionString: candidate, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
    try {
      await client.connect();
    } catch (error) {
      lastError = error;
      continue;
    }
    try {
      let database = new URL(candidate).pathname.slice(1) || 'postgres';
      if (!process.env.BENCH_PG_URL) {
        database = BENCH_DATABASE;
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [BENCH_DATABASE]);
        if (exists.rowCount === 0) {
          await client.query(`CREATE DATABASE ${BENCH_DATABASE}`).catch(() => {
            database = 'test';
          });
        }
      }
      const settings = await client.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit') ORDER BY name",
      );
      const version = await client.query<{ server_version: string }>('SHOW server_version');
      const durability = settings.rows.map((row) => `${row.name}=${row.setting}`).join(', ');
      return {
        url: withDatabase(candidate, database),
        status: {
          reachable: true,
          version: version.rows[0]?.server_version ?? null,
          settings: `${durability}, database=${database}`,
          error: null,
        },
        durability,
      };
    } finally {
      await client.end();
    }
  }
  return { url: candidates[0] as string, status: failed(lastError), durability: null };
}

async function probeRabbit(url: string): Promise<ServiceStatus> {
  const model = await connect(url);
  try {
    const properties = model.connection.serverProperties;
    return { reachable: true, version: String(properties.version ?? 'unknown'), settings: null, error: null };
  } finally {
    await model.close();
  }
}

async function probeRedis(url: string): Promise<{ status: ServiceStatus; persistent: boolean | null }> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: PROBE_TIMEOUT_MS,
    retryStrategy: () => null, // a probe asks once
  });
  let lastError: unknown;
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw lastError ?? error;
  }
  try {
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? null;
    let settings: string | null = null;
    let persistent: boolean | null = null;
    try {
      const save = (await redis.config('GET', 'save')) as string[];
      const appendonly = (await redis.config('GET', 'appendonly')) as string[];
      const saveValue = save[1] ?? '';
      const appendValue = appendonly[1] ?? 'no';
      settings = `save="${saveValue}", appendonly=${appendValue}`;
      persistent = saveValue.trim() !== '' || appendValue === 'yes';
    } catch {
      // CONFIG may be disabled; persistence then stays unknown.
    }
    return { status: { reachable: true, version, settings, error: null }, persistent };
  } finally {
    redis.disconnect();
  }
}

/** Probes RabbitMQ, PostgreSQL and Redis; an unreachable service is reported, not thrown. */
export async function probeServices(): Promise<ServiceReport> {
  const amqp = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const [rabbitmq, postgres, redis] = await Promise.all([
    withTimeout(probeRabbit(amqp), PROBE_TIMEOUT_MS, 'RabbitMQ probe').catch(failed),
    withTimeout(probePostgres(), PROBE_TIMEOUT_MS * 3, 'PostgreSQL probe').catch((error: unknown) => ({
      url: 'postgres://postgres@127.0.0.1:5432/bench',
      status: failed(error),
      durability: null,
    })),
    withTimeout(probeRedis(redisUrl), PROBE_TIMEOUT_MS, 'Redis probe').catch((error: unknown) => ({
      status: failed(error),
      persistent: null,
    })),
  ]);
  const caveats: string[] = [];
  if (redis.persistent === false) {
    caveats.push(
      `Redis runs WITHOUT persistence on this machine (${redis.status.settings ?? ''}): BullMQ's figures carry no durability cost, and a Redis restart would lose every queued job.`,
    );
  }
  if (postgres.durability !== null && (!/fsync=on/.test(postgres.durability) || /synchronous_commit=off/.test(postgres.durability))) {
    caveats.push(`PostgreSQL runs with ${postgres.durability}: commits are not all forced to disk.`);
  }
  return {
    urls: { amqp, postgres: postgres.url, redis: redisUrl },
    status: { rabbitmq, postgres: postgres.status, redis: redis.status },
    facts: { redisPersistent: redis.persistent, postgresDurability: postgres.durability },
    caveats,
  };
}
