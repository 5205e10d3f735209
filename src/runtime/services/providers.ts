import type { Channel } from '../../message/channels.js';
import { CHANNELS } from '../../message/channels.js';
import type { BreakerState } from '../../resilience/breaker/state.js';
import type { Runtime } from '../runtime.js';

/** A configured provider instance as `missive providers` and `GET /v1/providers` show it. */
export interface ProviderInstanceReport {
  name: string;
  type: string;
  channels: Channel[];
  /** Its options, secret values replaced by `[REDACTED]`. */
  options: Record<string, unknown>;
  /** The instance's circuit breaker, as the fleet shares it through the store; `nextProbeAt` is ISO 8601. */
  breaker: { state: BreakerState; nextProbeAt?: string };
}

/** Registered types, configured instances, the channel order and the circuits. */
export interface ProvidersReport {
  instances: ProviderInstanceReport[];
  /** Per channel, the instance names tried in order (primary first). */
  channels: Record<Channel, string[]>;
  /** Every registered provider type (built-in and plugin), used by an instance or not. */
  types: { type: string; channels: Channel[]; description: string }[];
}

/** The providers report; secrets never appear in it. */
export async function providersReport(runtime: Runtime): Promise<ProvidersReport> {
  const set = await runtime.providers();
  const types = set.types();
  // Read once, not through the runtime's syncing board: a report must never claim a probe.
  const breakers = await runtime.breakerStatuses();
  return {
    instances: set.list().map((instance) => {
      const { state, nextProbeAt } = breakers(instance.name);
      return {
        name: instance.name,
        type: instance.type,
        channels: instance.channels,
        options: instance.redactedOptions,
        breaker: { state, ...(nextProbeAt !== undefined && { nextProbeAt: new Date(nextProbeAt).toISOString() }) },
      };
    }),
    channels: Object.fromEntries(CHANNELS.map((channel) => [channel, [...set.channelProviders(channel)]])) as Record<Channel, string[]>,
    types: types.map((factory) => ({ type: factory.type, channels: [...factory.channels], description: factory.description ?? '' })),
  };
}
