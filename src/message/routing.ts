import type { Delivery } from './types.js';

/** Where the producer sends a message: straight to the broker, or held until a time. */
export type Route = { path: 'publish' } | { path: 'hold'; dueAt: number };

/**
 * Chooses the delivery path from the delivery config. Callers pick a mode, never a mechanism:
 * a scheduled time that is not in the future means "now", so it takes the publish path.
 */
export function routeDelivery(delivery: Delivery, now: number): Route {
  if (delivery.mode === 'immediate') return { path: 'publish' };
  const dueAt = Date.parse(delivery.at);
  return dueAt > now ? { path: 'hold', dueAt } : { path: 'publish' };
}
