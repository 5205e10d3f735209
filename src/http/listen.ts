import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { PrometheusMetrics } from '../metrics/prometheus.js';
import { runtimeGaugeSources } from '../metrics/runtime-sources.js';
import type { Runtime } from '../runtime/runtime.js';
import { buildApp } from './app.js';
import { ApiKeyVerifier } from './auth.js';
import type { HttpContext } from './context.js';
import type { HttpPlan } from './plan.js';
import type { Route } from './route.js';
import { apiRoutes, docsRoutes, opsRoutes } from './routes/index.js';

/** A listening server. */
export interface RunningServer {
  /** Base URL to reach it on this machine, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Stops taking requests, finishes those in progress, and closes. */
  close(): Promise<void>;
}

/** Options of the servers. */
export interface ServeOptions {
  /** Report breaker states in /metrics: where a worker or batch runner runs. */
  breakers: boolean;
  /**
   * The roles served use RabbitMQ: /readyz requires it and /metrics reads queue depths. Default
   * true; false for a batch runner alone, which never connects to RabbitMQ.
   */
  broker?: boolean;
}

const exporters = new WeakMap<Runtime, PrometheusMetrics>();

/**
 * How long the API's start waits for RabbitMQ, in ms, so that it is ready as it starts listening;
 * past that it listens anyway (messages are stored, and relayed once RabbitMQ is back).
 */
const BROKER_GRACE_MS = 2_000;

/**
 * The Prometheus metrics of a runtime: its own metrics when they are Prometheus ones (the CLI
 * makes them so), else one registry per runtime holding the scrape-time gauges and HTTP metrics.
 */
export function prometheusFor(runtime: Runtime): PrometheusMetrics {
  if (runtime.metrics instanceof PrometheusMetrics) return runtime.metrics;
  let metrics = exporters.get(runtime);
  if (!metrics) {
    metrics = new PrometheusMetrics({ clock: runtime.clock });
    exporters.set(runtime, metrics);
  }
  return metrics;
}

/** Starts the API server (with the ops routes if `withOps`); warns once if no API key is set. */
export async function startApiServer(runtime: Runtime, plan: NonNullable<HttpPlan['api']>, options: ServeOptions): Promise<RunningServer> {
  // The producer is built first, so a bad config fails the start, not the first request.
  await runtime.producer();
  const logger = runtime.logger.child({ component: 'http' });
  await (await runtime.broker()).waitForConnection(BROKER_GRACE_MS).catch((error: unknown) => {
    logger.warn({ err: (error as Error).message }, 'RabbitMQ is unreachable; accepting messages all the same: they are stored and published once it is back');
  });
  const context = contextFor(runtime, options);
  const verifier = new ApiKeyVerifier(runtime.settings.apiKeys);
  if (verifier.open) logger.warn({}, 'MISSIVE_API_KEYS is not set: the HTTP API is open to anyone who can reach it');
  const served: Route[] = [...apiRoutes(context), ...(plan.withOps ? opsRoutes(context) : [])];
  const routes: Route[] = [...served, ...docsRoutes(() => routes)];
  const app = buildApp({ routes, verifier, logger, metrics: context.metrics, newId: runtime.newId, bodyLimitBytes: runtime.settings.http.bodyLimitBytes });
  return listen(app, runtime, plan.port, 'api');
}

/** Starts a server with the ops routes only. */
export async function startOpsServer(runtime: Runtime, plan: NonNullable<HttpPlan['ops']>, options: ServeOptions): Promise<RunningServer> {
  const context = contextFor(runtime, options);
  const logger = runtime.logger.child({ component: 'http-ops' });
  const app = buildApp({
    routes: opsRoutes(context),
    verifier: new ApiKeyVerifier([]),
    logger,
    metrics: context.metrics,
    newId: runtime.newId,
    bodyLimitBytes: runtime.settings.http.bodyLimitBytes,
  });
  return listen(app, runtime, plan.port, 'ops');
}

function contextFor(runtime: Runtime, options: ServeOptions): HttpContext {
  const metrics = prometheusFor(runtime);
  const broker = options.broker ?? true;
  metrics.observe(runtimeGaugeSources(runtime, { breakers: options.breakers, broker }));
  return { runtime, metrics, broker };
}

async function listen(app: FastifyInstance, runtime: Runtime, port: number, name: string): Promise<RunningServer> {
  const host = runtime.settings.http.host;
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port: bound } = app.server.address() as AddressInfo;
  const url = `http://${localHost(host)}:${bound}`;
  runtime.logger.info({ server: name, host, port: bound }, `HTTP ${name} server listening`);
  return { url, close: () => app.close() };
}

/** A host to reach a listening address from this machine (wildcards mean loopback). */
function localHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
