import { NotFoundError } from '../../core/errors.js';
import { isoTimeWithOffset } from '../../message/schema.js';
import { messageView, type MessageView } from '../../message/view.js';
import { invalid } from '../../core/errors.js';
import { type GlobalOptions, withRuntime } from '../context.js';
import { parseDuration } from '../duration.js';
import { printJson, printLine, UsageError } from '../output.js';

/** `missive status ID`: the message, its state and its history. */
export async function status(id: string, flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const view = await withRuntime(flags, async (runtime) => {
    const record = await runtime.store.getMessage(id);
    if (!record) throw new NotFoundError('message', id);
    return messageView(record, await runtime.store.getHistory(id));
  });
  if (flags.json) printJson(view);
  else printStatus(view);
  return 0;
}

/** `missive cancel ID`: cancels a scheduled message not yet dispatched. */
export async function cancel(id: string, flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const record = await withRuntime(flags, (runtime) => runtime.store.cancel(id, runtime.clock.now()));
  if (flags.json) printJson({ id: record.id, status: record.status });
  else printLine(`${record.id} cancelled`);
  return 0;
}

/** `missive reschedule ID --at ISO | --in 5m`: moves a scheduled message not yet dispatched. */
export async function reschedule(id: string, flags: GlobalOptions & { at?: string; in?: string; json?: boolean }): Promise<number> {
  if ((flags.at === undefined) === (flags.in === undefined)) throw new UsageError('give the new time with --at ISO or --in 5m');
  const record = await withRuntime(flags, async (runtime) => {
    const now = runtime.clock.now();
    let dueAt: number;
    if (flags.in !== undefined) dueAt = now + parseDuration(flags.in);
    else {
      if (!isoTimeWithOffset.safeParse(flags.at).success) {
        throw invalid('--at', 'format', 'must be an ISO 8601 time with an offset, e.g. 2030-01-01T09:00:00Z');
      }
      dueAt = Date.parse(flags.at as string);
    }
    return runtime.store.reschedule(id, Math.max(dueAt, now), now);
  });
  const at = new Date(record.scheduledAt ?? 0).toISOString();
  if (flags.json) printJson({ id: record.id, status: record.status, scheduledAt: at });
  else printLine(`${record.id} rescheduled for ${at}`);
  return 0;
}

function printStatus(view: MessageView): void {
  printLine(`${view.id}  ${view.status}`);
  printLine(`  ${view.channel} to ${view.to}`);
  if (view.scheduledAt) printLine(`  due        ${view.scheduledAt}`);
  if (view.nextAttemptAt) printLine(`  next try   ${view.nextAttemptAt}`);
  printLine(`  attempts   ${view.attempts}${view.provider ? ` (provider ${view.provider})` : ''}`);
  if (view.lastError) printLine(`  last error ${view.lastError.message}`);
  printLine('  history');
  for (const entry of view.history) printLine(`    ${entry.at}  ${entry.event.padEnd(11)} ${entry.status}`);
}
