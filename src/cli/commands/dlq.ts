import { invalid } from '../../core/errors.js';
import { listDeadLetters, MAX_DEAD_LETTER_PAGE, replayDeadLetter } from '../../runtime/services/dead-letters.js';
import { type GlobalOptions, withRuntime } from '../context.js';
import { printJson, printLine } from '../output.js';

/** Dead letters listed when `--limit` is not given. */
const DEFAULT_LIMIT = 100;

/** `missive dlq list`: messages that failed for good, newest last, with attempts and last error. */
export async function dlqList(flags: GlobalOptions & { json?: boolean; limit?: string; after?: string }): Promise<number> {
  const limit = parseLimit(flags.limit);
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

/** `--limit`: a whole number from 1 to 1000, as `GET /v1/dead-letters` takes it. */
export function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_DEAD_LETTER_PAGE) {
    throw invalid('--limit', 'range', `must be a whole number from 1 to ${MAX_DEAD_LETTER_PAGE}, got "${text}"`);
  }
  return value;
}
