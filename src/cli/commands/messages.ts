import { invalid } from '../../core/errors.js';
import { isoTimeWithOffset } from '../../message/schema.js';
import type { MessageView } from '../../message/view.js';
import { cancelMessage, getMessageView, rescheduleMessage } from '../../runtime/services/messages.js';
import { type GlobalOptions, withRuntime } from '../context.js';
import { parseDuration } from '../duration.js';
import { printJson, printLine, UsageError } from '../output.js';

/** `missive status ID`: the message, its state and its history. */
export async function status(id: string, flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const view = await withRuntime(flags, (runtime) => getMessageView(runtime, id));
  if (flags.json) printJson(view);
  else printStatus(view);
  return 0;
}

/** `missive cancel ID`: cancels a scheduled message not yet dispatched. */
export async function cancel(id: string, flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const view = await withRuntime(flags, (runtime) => cancelMessage(runtime, id));
  if (flags.json) printJson({ id: view.id, status: view.status });
  else printLine(`${view.id} cancelled`);
  return 0;
}

/** `missive reschedule ID --at ISO | --in 5m`: moves a scheduled message not yet dispatched. */
export async function reschedule(id: string, flags: GlobalOptions & { at?: string; in?: string; json?: boolean }): Promise<number> {
  if ((flags.at === undefined) === (flags.in === undefined)) throw new UsageError('give the new time with --at ISO or --in 5m');
  const view = await withRuntime(flags, async (runtime) => {
    let at: string;
    if (flags.in !== undefined) at = new Date(runtime.clock.now() + parseDuration(flags.in)).toISOString();
    else {
      if (!isoTimeWithOffset.safeParse(flags.at).success) {
        throw invalid('--at', 'format', 'must be an ISO 8601 time with an offset, e.g. 2030-01-01T09:00:00Z');
      }
      at = flags.at as string;
    }
    return rescheduleMessage(runtime, id, { mode: 'scheduled', at });
  });
  if (flags.json) printJson({ id: view.id, status: view.status, scheduledAt: view.scheduledAt });
  else printLine(`${view.id} rescheduled for ${view.scheduledAt ?? ''}`);
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
