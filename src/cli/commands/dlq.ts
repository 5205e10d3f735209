import { messageView } from '../../message/view.js';
import { type GlobalOptions, withRuntime } from '../context.js';
import { printJson, printLine } from '../output.js';

/** `missive dlq list`: messages that failed for good, newest last, with attempts and last error. */
export async function dlqList(flags: GlobalOptions & { json?: boolean; limit?: string; after?: string }): Promise<number> {
  const limit = Math.min(Math.max(Number(flags.limit ?? 100) || 100, 1), 1000);
  const records = await withRuntime(flags, (runtime) =>
    runtime.store.listMessages({ deadLettered: true, limit, ...(flags.after !== undefined && { after: flags.after }) }),
  );
  const items = records.map((record) => {
    const view = messageView(record, []);
    return { id: view.id, status: view.status, channel: view.channel, to: view.to, attempts: view.attempts, provider: view.provider, lastError: view.lastError, updatedAt: view.updatedAt };
  });
  if (flags.json) printJson({ items });
  else if (items.length === 0) printLine('the dead-letter queue is empty');
  else for (const item of items) printLine(`${item.id}  ${item.status}  ${item.channel} ${item.to}  ${item.attempts} attempts  ${item.lastError?.message ?? ''}`);
  return 0;
}

/** `missive dlq replay ID`: sends a dead-lettered message again, with fresh attempts. */
export async function dlqReplay(id: string, flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const result = await withRuntime(flags, async (runtime) => {
    const now = runtime.clock.now();
    const record = await runtime.store.requeue(id, now, now + runtime.settings.scheduler.relayAfterMs);
    const published = await (await runtime.publisher()).publish(record);
    return { id: record.id, status: record.status, published };
  });
  if (flags.json) printJson({ id: result.id, status: result.status });
  else printLine(`${result.id} replayed${result.published ? '' : ' (broker unavailable: the scheduler will publish it)'}`);
  return 0;
}
