import { CHANNELS } from '../message/channels.js';
import type { Runtime } from '../runtime/runtime.js';
import type { GaugeSources } from './gauge-sources.js';

/** Options of {@link runtimeGaugeSources}. */
export interface RuntimeSourcesOptions {
  /** Report breaker states: true where a worker runs (the only role whose breakers see calls). */
  breakers: boolean;
}

/** Scrape-time gauge sources reading a runtime's providers, breakers, store and broker. */
export function runtimeGaugeSources(runtime: Runtime, options: RuntimeSourcesOptions): GaugeSources {
  return {
    ...(options.breakers && {
      breakerStates: async () => {
        const providers = await runtime.providers();
        const board = runtime.breakers();
        return providers.list().map((instance) => ({ provider: instance.name, state: board.status(instance.name).state }));
      },
    }),
    messageCounts: () => runtime.store.countByStatus(),
    queueDepths: async () => {
      const broker = await runtime.broker();
      if (!broker.isConnected()) return [];
      const queues = [...CHANNELS, 'dead-letter'] as const;
      return Promise.all(queues.map(async (queue) => ({ queue, depth: await broker.queueDepth(queue) })));
    },
  };
}
