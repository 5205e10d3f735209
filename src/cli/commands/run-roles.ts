import { SHUTDOWN_MARGIN_MS } from '../../config/schema.js';
import { PrometheusMetrics } from '../../metrics/prometheus.js';
import { Runtime } from '../../runtime/runtime.js';
import { type Role, startRoles } from '../../runtime/roles.js';
import { type GlobalOptions, settingsFor } from '../context.js';

/**
 * Runs roles until SIGINT or SIGTERM, then shuts down gracefully: stop taking work, finish and
 * record what is in hand, close connections, exit 0. A second signal, or a shutdown that
 * overruns its bound, exits 1 at once.
 */
export async function runRoles(options: GlobalOptions, roles: readonly Role[]): Promise<number> {
  const settings = settingsFor(options, true);
  // Every long-running process reports into Prometheus and serves /healthz, /readyz and /metrics.
  const runtime = await Runtime.open(settings, { metrics: new PrometheusMetrics() });
  let running;
  try {
    running = await startRoles(runtime, roles, { serveOps: true });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  runtime.logger.info({ signal }, 'shutting down');
  const force = (reason: string) => {
    runtime.logger.error({ reason }, 'forced exit');
    process.exit(1);
  };
  process.once('SIGINT', () => force('second signal'));
  process.once('SIGTERM', () => force('second signal'));
  const deadline = setTimeout(() => force('shutdown took too long'), settings.worker.shutdownGraceMs + SHUTDOWN_MARGIN_MS);
  deadline.unref();
  await running.stop();
  await runtime.close();
  clearTimeout(deadline);
  runtime.logger.info({}, 'stopped');
  return 0;
}
