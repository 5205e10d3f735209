import type { PrometheusMetrics } from '../metrics/prometheus.js';
import type { Runtime } from '../runtime/runtime.js';

/** What the HTTP routes work with: the process's runtime and its metrics. */
export interface HttpContext {
  runtime: Runtime;
  /** Where `/metrics` reads from and request durations go. */
  metrics: PrometheusMetrics;
  /** Whether the roles served use RabbitMQ (all but the batch runner), so readiness requires it. */
  broker: boolean;
}
