import type { HttpContext } from '../context.js';
import type { Route } from '../route.js';
import { batchRoutes } from './batches.js';
import { deadLetterRoutes } from './dead-letters.js';
import { messageRoutes } from './messages.js';
import { providerRoutes } from './providers.js';

/**
 * The `/v1` resources, one module each. A new resource is one more module here: its routes are
 * registered, authenticated and documented in /docs like the others.
 */
export function apiRoutes(context: HttpContext): Route[] {
  return [...messageRoutes(context), ...batchRoutes(context), ...providerRoutes(context), ...deadLetterRoutes(context)];
}

export { opsRoutes } from './health.js';
export { docsRoutes } from './docs.js';
