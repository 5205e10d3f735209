import type { BatchTables } from '../batch/tables.js';
import type { ItemStatus } from '../batch/types.js';
import { CHANNELS } from '../message/channels.js';
import type { Runtime } from '../runtime/runtime.js';
import type { SqlContext } from '../store/dialect.js';
import type { GaugeSources } from './gauge-sources.js';

/** Options of {@link runtimeGaugeSources}. */
export interface RuntimeSourcesOptions {
  /** Report breaker states: true where a worker or batch runner runs (the roles whose breakers see calls). */
  breakers: boolean;
  /** Report queue depths, connecting to RabbitMQ: false where no role uses it. Default true. */
  broker?: boolean;
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
    batchItemCounts: () => countBatchItems(runtime.store.context),
    ...((options.broker ?? true) && {
      queueDepths: async () => {
        const broker = await runtime.broker();
        if (!broker.isConnected()) return [];
        const queues = [...CHANNELS, 'dead-letter'] as const;
        return Promise.all(queues.map(async (queue) => ({ queue, depth: await broker.queueDepth(queue) })));
      },
    }),
  };
}

/** Batch statuses whose unsent items still wait for a runner. */
const UNFINISHED = ['pending', 'running', 'paused'];

/**
 * Batch items by status, from the batches' own counters (one row per batch) rather than a scan
 * of the items: only `sending` reads items, through the (batch, status) index of the running and
 * paused batches. `pending` and `sending` cover unfinished batches; `sent` and `failed` all.
 */
async function countBatchItems(context: SqlContext): Promise<Record<ItemStatus, number>> {
  const db = context.db.withTables<BatchTables>();
  const rows = await db
    .selectFrom('batches')
    .select((eb) => ['status', eb.fn.sum<number | string>('total').as('total'), eb.fn.sum<number | string>('sent').as('sent'), eb.fn.sum<number | string>('failed').as('failed')])
    .where('status', '!=', 'creating')
    .groupBy('status')
    .execute();
  const sending = await db
    .selectFrom('batch_items')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('batch_id', 'in', (eb) => eb.selectFrom('batches').select('id').where('status', 'in', ['running', 'paused']))
    .where('status', '=', 'sending')
    .executeTakeFirst();
  const counts: Record<ItemStatus, number> = { pending: 0, sending: Number(sending?.count ?? 0), sent: 0, failed: 0 };
  for (const row of rows) {
    const sent = Number(row.sent ?? 0);
    const failed = Number(row.failed ?? 0);
    counts.sent += sent;
    counts.failed += failed;
    if (UNFINISHED.includes(row.status)) counts.pending += Number(row.total ?? 0) - sent - failed;
  }
  counts.pending = Math.max(0, counts.pending - counts.sending);
  return counts;
}
