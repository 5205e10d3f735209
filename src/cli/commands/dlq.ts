import { listDeadLetters, replayDeadLetter } from '../../runtime/services/dead-letters.js';
import { type GlobalOptions, withRuntime } from '../context.js';
import { printJson, printLine } from '../output.js';

/** `missive dlq list`: messages that failed for good, newest last, with attempts and last error. */
export async function dlqList(flags: GlobalOptions & { json?: boolean; limit?: string; after?: string }): Promise<number> {
  const limit = Number(flags.limit ?? 100) || 100;
  const page = await withRuntime(flags, (runtime) => listDeadLetters(runtime, { limit, ...(flags.after !== undefined && { after: flags.after }) }));
  if (flags.json) printJson(page);
  else if (page.items.length === 0) printLine('the dead-letter queue is empty');
  else for (const item of page.items) printLine(`${item.id}  ${item.status}  ${item.channel} ${item.to}  ${item.attempts} attempts  ${item.lastError?.message ?? ''}`);
  return 0;
}

/** `missive dlq replay ID`: sends a dead-lettered message again, with fresh attempts. */
export async function dlqReplay(id: string, flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const result = await withRuntime(flags, (runtime) => replayDeadLetter(runtime, id));
  if (flags.json) printJson({ id: result.id, status: result.status });
  else printLine(`${result.id} replayed${result.published ? '' : ' (broker unavailable: the scheduler will publish it)'}`);
  return 0;
}
