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
  /** The instance's circuit breaker, as the fleet shares it through the store. */
  breaker: { state: BreakerState; nextProbeAt?: number };
}

/** Registered types, configured instances, the channel order and the circuits. */
export interface ProvidersReport {
  instances: ProviderInstanceReport[];
  /** Per channel, the instance names tried in order (primary first). */
  channels: Record<Channel, string[]>;
  /** The provider types the configured instances use. */
  types: { type: string; channels: Channel[]; description: string }[];
}

/** The providers report; secrets never appear in it. */
export async function providersReport(runtime: Runtime): Promise<ProvidersReport> {
  const set = await runtime.providers();
  const factories = set.list().map((instance) => instance.factory);
  const types = [...new Map(factories.map((factory) => [factory.type, factory])).values()];
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
        breaker: { state, ...(nextProbeAt !== undefined && { nextProbeAt }) },
      };
    }),
    channels: Object.fromEntries(CHANNELS.map((channel) => [channel, [...set.channelProviders(channel)]])) as Record<Channel, string[]>,
    types: types.map((factory) => ({ type: factory.type, channels: [...factory.channels], description: factory.description ?? '' })),
  };
}
