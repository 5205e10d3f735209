import type { Settings } from '../config/settings.js';

/** Which servers a process runs, on which ports. */
export interface HttpPlan {
  /** The API (`/v1`, `/docs`), with the ops routes when they have no port of their own. */
  api?: { port: number; withOps: boolean };
  /** `/healthz`, `/readyz` and `/metrics` on their own server. */
  ops?: { port: number };
}

/**
 * Decides the servers: the `http` role serves the API on `PORT`; the ops routes go on
 * `http.metricsPort` when set, else on the API's port, else (a process without the API, when
 * `serveOps` asks for them) on `PORT`.
 */
export function planHttp(roles: readonly string[], settings: Pick<Settings, 'port' | 'http'>, serveOps: boolean): HttpPlan {
  const api = roles.includes('http');
  const metricsPort = settings.http.metricsPort;
  const plan: HttpPlan = {};
  if (api) plan.api = { port: settings.port, withOps: metricsPort === undefined };
  if ((api && metricsPort !== undefined) || (!api && serveOps)) plan.ops = { port: metricsPort ?? settings.port };
  return plan;
}
