import type { RecipientItem } from '../types.js';

/** Reads every item a reader yields. */
export async function collect(items: AsyncIterable<RecipientItem> | Iterable<RecipientItem>): Promise<RecipientItem[]> {
  const out: RecipientItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A good row as `[line, to, vars]`, for compact assertions. */
export type RowTuple = [line: number, to: string, vars: Record<string, unknown>];

/** The good rows among `items`, as `[line, to, vars]`. */
export function rowsOf(items: readonly RecipientItem[]): RowTuple[] {
  return items.flatMap((item): RowTuple[] => (item.ok ? [[item.row.line, item.row.to, item.row.vars]] : []));
}

/** The refused rows among `items`, as `[line, rule]`. */
export function errorsOf(items: readonly RecipientItem[]): Array<[number, string]> {
  return items.flatMap((item) => (item.ok ? [] : [[item.error.line, item.error.rule] as [number, string]]));
}

/**
 * Yields `text` as UTF-8 bytes cut into pieces of the given sizes (cycled), so tests can split a
 * file anywhere: inside a quoted field, between `\r` and `\n`, or inside a multi-byte character.
 */
export async function* chunks(text: string | Buffer, sizes: readonly number[] = [Infinity]): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let offset = 0;
  let turn = 0;
  while (offset < bytes.length) {
    const size = Math.max(1, sizes[turn++ % sizes.length] ?? Infinity);
    yield bytes.subarray(offset, Math.min(bytes.length, offset + size));
    offset += size;
  }
}

/** What a reader's whole run gives: every item, or the error it threw after them. */
export async function settle(
  items: AsyncIterable<RecipientItem>,
): Promise<{ items: RecipientItem[]; error?: unknown }> {
  const out: RecipientItem[] = [];
  try {
    for await (const item of items) out.push(item);
    return { items: out };
  } catch (error) {
    return { items: out, error };
  }
}
