import { providersReport } from '../../runtime/services/providers.js';
import type { HttpContext } from '../context.js';
import { defineRoute, type Route } from '../route.js';
import { providersReportSchema } from '../schemas.js';

/** `/v1/providers`: the configured providers (as `missive providers --json`). */
export function providerRoutes({ runtime }: HttpContext): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/providers',
      operationId: 'listProviders',
      tag: 'providers',
      summary: 'Provider types, configured instances, channel order and circuits',
      description: "Secret options read `[REDACTED]`. Breaker states are this process's own.",
      auth: true,
      responses: { 200: { description: 'The providers.', schema: providersReportSchema } },
      handle: async () => ({ status: 200, body: await providersReport(runtime) }),
    }),
  ];
}
