import { checkReadiness } from '../../runtime/services/readiness.js';
import type { HttpContext } from '../context.js';
import { HttpProblemError, problem } from '../problem.js';
import { defineRoute, type Route } from '../route.js';
import { healthSchema, readinessSchema } from '../schemas.js';

/** `/healthz`, `/readyz` and `/metrics`: for orchestrators and Prometheus, never behind a key. */
export function opsRoutes({ runtime, metrics, broker }: HttpContext): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/healthz',
      operationId: 'health',
      tag: 'operations',
      summary: 'Liveness: the process is up',
      auth: false,
      responses: { 200: { description: 'Up.', schema: healthSchema } },
      handle: async () => ({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'GET',
      url: '/readyz',
      operationId: 'ready',
      tag: 'operations',
      summary: 'Readiness: the store answering, and RabbitMQ connected where the process uses it (`checks.broker`)',
      auth: false,
      responses: {
        200: { description: 'Ready.', schema: readinessSchema },
        503: { description: 'Not ready; `checks` says which dependency is down.' },
      },
      handle: async () => {
        const { ready, checks } = await checkReadiness(runtime, { broker });
        if (ready) return { status: 200, body: { status: 'ready', checks } };
        const down = Object.entries(checks)
          .filter(([, state]) => state === 'down')
          .map(([name]) => (name === 'broker' ? 'RabbitMQ' : 'the store'));
        throw new HttpProblemError(problem('not_ready', `${down.join(' and ')} ${down.length > 1 ? 'are' : 'is'} down`, { checks }));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      tag: 'operations',
      summary: 'Metrics in the Prometheus text format',
      auth: false,
      responses: { 200: { description: 'The metrics.', contentType: 'text/plain' } },
      handle: async () => ({ status: 200, body: await metrics.render(), contentType: metrics.contentType }),
    }),
  ];
}
